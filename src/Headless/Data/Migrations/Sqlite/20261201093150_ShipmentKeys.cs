using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 516,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ShipToKey",
                table: "CartLines",
                type: "TEXT",
                maxLength: 516,
                nullable: true);
            // Existing rows get their keys here; from now on the entities keep them up to date.
            migrationBuilder.Sql("""UPDATE "Patients" SET "AddressKey" = upper("AddressLine1" || '|' || COALESCE("AddressLine2", '') || '|' || "AddressCity" || '|' || "AddressState" || '|' || "AddressZip");""");
            migrationBuilder.Sql("""UPDATE "CartLines" SET "ShipToKey" = upper("ShipToLine1" || '|' || COALESCE("ShipToLine2", '') || '|' || "ShipToCity" || '|' || "ShipToState" || '|' || "ShipToZip") WHERE "ShipToLine1" IS NOT NULL;""");
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
