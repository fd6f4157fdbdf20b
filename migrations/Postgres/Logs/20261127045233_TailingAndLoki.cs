using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Logs
{
    /// <inheritdoc />
    public partial class TailingAndLoki : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Task",
                schema: "logs",
                table: "log_lines",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "log_files",
                schema: "logs",
                columns: table => new
                {
                    Path = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    ServiceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Stream = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Task = table.Column<int>(type: "integer", nullable: true),
                    Offset = table.Column<long>(type: "bigint", nullable: false),
                    Head = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    SkippingLongLine = table.Column<bool>(type: "boolean", nullable: false),
                    Finished = table.Column<bool>(type: "boolean", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_log_files", x => x.Path);
                });

            migrationBuilder.CreateTable(
                name: "loki_positions",
                schema: "logs",
                columns: table => new
                {
                    Url = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    LastId = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_loki_positions", x => x.Url);
                });

            migrationBuilder.CreateIndex(
                name: "IX_log_lines_Timestamp",
                schema: "logs",
                table: "log_lines",
                column: "Timestamp");

            migrationBuilder.CreateIndex(
                name: "IX_log_files_ServiceId",
                schema: "logs",
                table: "log_files",
                column: "ServiceId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "log_files",
                schema: "logs");

            migrationBuilder.DropTable(
                name: "loki_positions",
                schema: "logs");

            migrationBuilder.DropIndex(
                name: "IX_log_lines_Timestamp",
                schema: "logs",
                table: "log_lines");

            migrationBuilder.DropColumn(
                name: "Task",
                schema: "logs",
                table: "log_lines");
        }
    }
}
