using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class PartnerOfferingUpdates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PartnerUpdateEventId",
                table: "Offerings",
                type: "nvarchar(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PartnerUpdatedAt",
                table: "Offerings",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Prices",
                table: "CartValidations",
                type: "nvarchar(max)",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PartnerUpdateEventId",
                table: "Offerings");

            migrationBuilder.DropColumn(
                name: "PartnerUpdatedAt",
                table: "Offerings");

            migrationBuilder.DropColumn(
                name: "Prices",
                table: "CartValidations");
        }
    }
}
