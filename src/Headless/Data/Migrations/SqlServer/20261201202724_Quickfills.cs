using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class Quickfills : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Quickfills",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    OrganizationId = table.Column<long>(type: "bigint", nullable: false),
                    ClinicId = table.Column<long>(type: "bigint", nullable: false),
                    Name = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    NameKey = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    OfferingId = table.Column<long>(type: "bigint", nullable: true),
                    ProductId = table.Column<long>(type: "bigint", nullable: false),
                    PharmacyId = table.Column<long>(type: "bigint", nullable: true),
                    Quantity = table.Column<int>(type: "int", nullable: true),
                    Sig = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    DaysSupply = table.Column<int>(type: "int", nullable: true),
                    PrescriberId = table.Column<long>(type: "bigint", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Quickfills", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Quickfills_Clinics_ClinicId",
                        column: x => x.ClinicId,
                        principalTable: "Clinics",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Quickfills_Offerings_OfferingId",
                        column: x => x.OfferingId,
                        principalTable: "Offerings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Quickfills_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Quickfills_Pharmacies_PharmacyId",
                        column: x => x.PharmacyId,
                        principalTable: "Pharmacies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Quickfills_Prescribers_PrescriberId",
                        column: x => x.PrescriberId,
                        principalTable: "Prescribers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Quickfills_Products_ProductId",
                        column: x => x.ProductId,
                        principalTable: "Products",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Quickfills_ClinicId_NameKey",
                table: "Quickfills",
                columns: new[] { "ClinicId", "NameKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Quickfills_OfferingId",
                table: "Quickfills",
                column: "OfferingId");

            migrationBuilder.CreateIndex(
                name: "IX_Quickfills_OrganizationId",
                table: "Quickfills",
                column: "OrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_Quickfills_PharmacyId",
                table: "Quickfills",
                column: "PharmacyId");

            migrationBuilder.CreateIndex(
                name: "IX_Quickfills_PrescriberId",
                table: "Quickfills",
                column: "PrescriberId");

            migrationBuilder.CreateIndex(
                name: "IX_Quickfills_ProductId",
                table: "Quickfills",
                column: "ProductId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Quickfills");
        }
    }
}
