using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OperationsSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.AddColumn<long>(
                name: "ClinicId",
                table: "OutboxMessages",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ChangedAt",
                table: "OrderLines",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<long>(
                name: "ClinicId",
                table: "OrderLines",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Existing lines: their order's clinic, and their last change is when they entered their status.
            migrationBuilder.Sql("UPDATE \"OrderLines\" SET \"ClinicId\" = (SELECT o.\"ClinicId\" FROM \"Orders\" AS o WHERE o.\"Id\" = \"OrderLines\".\"OrderId\"), \"ChangedAt\" = \"StatusSince\";");

            migrationBuilder.CreateIndex(
                name: "IX_Patients_SearchName_trgm",
                table: "Patients",
                column: "SearchName")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_OrganizationId_ClinicId_Status",
                table: "OutboxMessages",
                columns: new[] { "OrganizationId", "ClinicId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_OrganizationId_ClinicId_PlacedAt_Id",
                table: "Orders",
                columns: new[] { "OrganizationId", "ClinicId", "PlacedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_OrganizationId_PlacedAt_Id",
                table: "Orders",
                columns: new[] { "OrganizationId", "PlacedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_OrderLines_ClinicId",
                table: "OrderLines",
                column: "ClinicId");

            migrationBuilder.CreateIndex(
                name: "IX_OrderLines_OrganizationId_ChangedAt_Id",
                table: "OrderLines",
                columns: new[] { "OrganizationId", "ChangedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_OrderLines_OrganizationId_ClinicId_ChangedAt_Id",
                table: "OrderLines",
                columns: new[] { "OrganizationId", "ClinicId", "ChangedAt", "Id" });

            migrationBuilder.AddForeignKey(
                name: "FK_OrderLines_Clinics_ClinicId",
                table: "OrderLines",
                column: "ClinicId",
                principalTable: "Clinics",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_OrderLines_Clinics_ClinicId",
                table: "OrderLines");

            migrationBuilder.DropIndex(
                name: "IX_Patients_SearchName_trgm",
                table: "Patients");

            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_OrganizationId_ClinicId_Status",
                table: "OutboxMessages");

            migrationBuilder.DropIndex(
                name: "IX_Orders_OrganizationId_ClinicId_PlacedAt_Id",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_Orders_OrganizationId_PlacedAt_Id",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_OrderLines_ClinicId",
                table: "OrderLines");

            migrationBuilder.DropIndex(
                name: "IX_OrderLines_OrganizationId_ChangedAt_Id",
                table: "OrderLines");

            migrationBuilder.DropIndex(
                name: "IX_OrderLines_OrganizationId_ClinicId_ChangedAt_Id",
                table: "OrderLines");

            migrationBuilder.DropColumn(
                name: "ClinicId",
                table: "OutboxMessages");

            migrationBuilder.DropColumn(
                name: "ChangedAt",
                table: "OrderLines");

            migrationBuilder.DropColumn(
                name: "ClinicId",
                table: "OrderLines");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");
        }
    }
}
