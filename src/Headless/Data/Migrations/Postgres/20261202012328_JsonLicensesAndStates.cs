using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Headless.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class JsonLicensesAndStates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Licenses",
                table: "Prescribers",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LicensesVersion",
                table: "Prescribers",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ShipsTo",
                table: "Pharmacies",
                type: "jsonb",
                nullable: true);

            // The states and licenses move into JSON columns of their owners, in the order EF read them from the tables.
            migrationBuilder.Sql("""
                UPDATE "Pharmacies" AS p SET "ShipsTo" = COALESCE((SELECT jsonb_agg(jsonb_build_object('State', s."State") ORDER BY s."State") FROM "PharmacyShippingStates" AS s WHERE s."PharmacyId" = p."Id"), '[]'::jsonb);
                """);

            migrationBuilder.Sql("""
                UPDATE "Prescribers" AS r SET "Licenses" = COALESCE((SELECT jsonb_agg(jsonb_build_object('State', l."State", 'Number', l."Number", 'ExpiresOn', to_char(l."ExpiresOn", 'YYYY-MM-DD')) ORDER BY l."Id") FROM "PrescriberLicenses" AS l WHERE l."PrescriberId" = r."Id"), '[]'::jsonb);
                """);

            migrationBuilder.DropTable(
                name: "PharmacyShippingStates");

            migrationBuilder.DropTable(
                name: "PrescriberLicenses");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Licenses",
                table: "Prescribers");

            migrationBuilder.DropColumn(
                name: "LicensesVersion",
                table: "Prescribers");

            migrationBuilder.DropColumn(
                name: "ShipsTo",
                table: "Pharmacies");

            migrationBuilder.CreateTable(
                name: "PharmacyShippingStates",
                columns: table => new
                {
                    PharmacyId = table.Column<long>(type: "bigint", nullable: false),
                    State = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PharmacyShippingStates", x => new { x.PharmacyId, x.State });
                    table.ForeignKey(
                        name: "FK_PharmacyShippingStates_Pharmacies_PharmacyId",
                        column: x => x.PharmacyId,
                        principalTable: "Pharmacies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "PrescriberLicenses",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ExpiresOn = table.Column<DateOnly>(type: "date", nullable: false),
                    Number = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    PrescriberId = table.Column<long>(type: "bigint", nullable: false),
                    State = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PrescriberLicenses", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PrescriberLicenses_Prescribers_PrescriberId",
                        column: x => x.PrescriberId,
                        principalTable: "Prescribers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PrescriberLicenses_PrescriberId_State",
                table: "PrescriberLicenses",
                columns: new[] { "PrescriberId", "State" },
                unique: true);
        }
    }
}
