using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class ShipmentKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AddressKey",
                table: "Patients",
                type: "nvarchar(516)",
                maxLength: 516,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ShipToKey",
                table: "CartLines",
                type: "nvarchar(516)",
                maxLength: 516,
                nullable: true);
            // Existing rows get their keys here; from now on the entities keep them up to date.
            migrationBuilder.Sql("UPDATE [Patients] SET [AddressKey] = UPPER(CONCAT([AddressLine1], N'|', [AddressLine2], N'|', [AddressCity], N'|', [AddressState], N'|', [AddressZip]));");
            migrationBuilder.Sql("UPDATE [CartLines] SET [ShipToKey] = UPPER(CONCAT([ShipToLine1], N'|', [ShipToLine2], N'|', [ShipToCity], N'|', [ShipToState], N'|', [ShipToZip])) WHERE [ShipToLine1] IS NOT NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AddressKey",
                table: "Patients");

            migrationBuilder.DropColumn(
                name: "ShipToKey",
                table: "CartLines");
        }
    }
}
