using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Logs
{
    /// <inheritdoc />
    public partial class TailingAndLoki : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Task",
                table: "logs_log_lines",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "logs_log_files",
                columns: table => new
                {
                    Path = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    ServiceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Stream = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Task = table.Column<int>(type: "INTEGER", nullable: true),
                    Offset = table.Column<long>(type: "INTEGER", nullable: false),
                    Head = table.Column<string>(type: "TEXT", maxLength: 80, nullable: true),
                    SkippingLongLine = table.Column<bool>(type: "INTEGER", nullable: false),
                    Finished = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_logs_log_files", x => x.Path);
                });

            migrationBuilder.CreateTable(
                name: "logs_loki_positions",
                columns: table => new
                {
                    Url = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    LastId = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_logs_loki_positions", x => x.Url);
                });

            migrationBuilder.CreateIndex(
                name: "IX_logs_log_lines_Timestamp",
                table: "logs_log_lines",
                column: "Timestamp");

            migrationBuilder.CreateIndex(
                name: "IX_logs_log_files_ServiceId",
                table: "logs_log_files",
                column: "ServiceId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "logs_log_files");

            migrationBuilder.DropTable(
                name: "logs_loki_positions");

            migrationBuilder.DropIndex(
                name: "IX_logs_log_lines_Timestamp",
                table: "logs_log_lines");

            migrationBuilder.DropColumn(
                name: "Task",
                table: "logs_log_lines");
        }
    }
}
