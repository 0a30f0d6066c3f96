using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class BrandAdministration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PrescriberLicenses_PrescriberId",
                table: "PrescriberLicenses");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ArchivedAt",
                table: "Patients",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_PrescriberLicenses_PrescriberId_State",
                table: "PrescriberLicenses",
                columns: new[] { "PrescriberId", "State" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PrescriberLicenses_PrescriberId_State",
                table: "PrescriberLicenses");

            migrationBuilder.DropColumn(
                name: "ArchivedAt",
                table: "Patients");

            migrationBuilder.CreateIndex(
                name: "IX_PrescriberLicenses_PrescriberId",
                table: "PrescriberLicenses",
                column: "PrescriberId");
        }
    }
}
