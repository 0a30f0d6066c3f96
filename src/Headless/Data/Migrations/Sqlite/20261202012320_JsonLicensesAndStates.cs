using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LicensesVersion",
                table: "Prescribers",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ShipsTo",
                table: "Pharmacies",
                type: "TEXT",
                nullable: true);

            // The states and licenses move into JSON columns of their owners, in the order EF read them from the tables.
            migrationBuilder.Sql("""
                UPDATE "Pharmacies" SET "ShipsTo" = (SELECT json_group_array(json_object('State', s."State")) FROM (SELECT "State" FROM "PharmacyShippingStates" WHERE "PharmacyId" = "Pharmacies"."Id" ORDER BY "State") AS s);
                """);

            migrationBuilder.Sql("""
                UPDATE "Prescribers" SET "Licenses" = (SELECT json_group_array(json_object('State', l."State", 'Number', l."Number", 'ExpiresOn', l."ExpiresOn")) FROM (SELECT "State", "Number", "ExpiresOn" FROM "PrescriberLicenses" WHERE "PrescriberId" = "Prescribers"."Id" ORDER BY "Id") AS l);
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
                    PharmacyId = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 2, nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ExpiresOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Number = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    PrescriberId = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 2, nullable: false)
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
