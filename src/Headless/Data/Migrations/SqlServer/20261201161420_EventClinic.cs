using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class EventClinic : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ClinicId",
                table: "Events",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Events_OrganizationId_ClinicId_Position",
                table: "Events",
                columns: new[] { "OrganizationId", "ClinicId", "Position" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_OrganizationId_ClinicId_Position",
                table: "Events");

            migrationBuilder.DropColumn(
                name: "ClinicId",
                table: "Events");
        }
    }
}
