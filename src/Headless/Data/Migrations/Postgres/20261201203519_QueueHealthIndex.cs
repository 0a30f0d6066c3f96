using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class QueueHealthIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OrderLines_OrganizationId_Status_StatusSince",
                table: "OrderLines");

            migrationBuilder.CreateIndex(
                name: "IX_OrderLines_OrganizationId_Status_StatusSince",
                table: "OrderLines",
                columns: new[] { "OrganizationId", "Status", "StatusSince" })
                .Annotation("Npgsql:IndexInclude", new[] { "Owner", "PharmacyId", "ClinicId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OrderLines_OrganizationId_Status_StatusSince",
                table: "OrderLines");

            migrationBuilder.CreateIndex(
                name: "IX_OrderLines_OrganizationId_Status_StatusSince",
                table: "OrderLines",
                columns: new[] { "OrganizationId", "Status", "StatusSince" });
        }
    }
}
