using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Headless.Data.Migrations.Postgres
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    OrganizationId = table.Column<long>(type: "bigint", nullable: false),
                    OccurredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Credential = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ClientAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    OperationType = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OperationName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    RootFields = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    ObjectType = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    ObjectIds = table.Column<string>(type: "text", nullable: false),
                    ObjectIdCount = table.Column<int>(type: "integer", nullable: false),
                    Outcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    CorrelationId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
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
            migrationBuilder.Sql(@"CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'AuditEvents is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;");
            migrationBuilder.Sql(@"CREATE TRIGGER ""AuditEvents_append_only"" BEFORE UPDATE OR DELETE ON ""AuditEvents"" FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();");
            migrationBuilder.Sql(@"CREATE TRIGGER ""AuditEvents_no_truncate"" BEFORE TRUNCATE ON ""AuditEvents"" FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(@"DROP TRIGGER ""AuditEvents_no_truncate"" ON ""AuditEvents"";");
            migrationBuilder.Sql(@"DROP TRIGGER ""AuditEvents_append_only"" ON ""AuditEvents"";");
            migrationBuilder.Sql("DROP FUNCTION audit_events_append_only();");

            migrationBuilder.DropTable(
                name: "AuditEvents");
        }
    }
}
