using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Headless.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrganizationId = table.Column<long>(type: "INTEGER", nullable: false),
                    OccurredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Credential = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ClientAddress = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    OperationType = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OperationName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    RootFields = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    ObjectType = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ObjectIds = table.Column<string>(type: "TEXT", nullable: false),
                    ObjectIdCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    CorrelationId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AuditEvents_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_OrganizationId_Id",
                table: "AuditEvents",
                columns: new[] { "OrganizationId", "Id" });

            // The trail is append-only, for the application's own database role too (hand-written, not from the model).
            migrationBuilder.Sql("CREATE TRIGGER \"AuditEvents_no_update\" BEFORE UPDATE ON \"AuditEvents\" BEGIN SELECT RAISE(ABORT, 'AuditEvents is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER \"AuditEvents_no_delete\" BEFORE DELETE ON \"AuditEvents\" BEGIN SELECT RAISE(ABORT, 'AuditEvents is append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER \"AuditEvents_no_delete\";");
            migrationBuilder.Sql("DROP TRIGGER \"AuditEvents_no_update\";");

            migrationBuilder.DropTable(
                name: "AuditEvents");
        }
    }
}
