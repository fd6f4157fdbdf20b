using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Logs
{
    /// <inheritdoc />
    public partial class WorkerJobLogs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(
                name: "ServiceId",
                table: "logs_log_files",
                newName: "SourceId");

            migrationBuilder.RenameIndex(
                name: "IX_logs_log_files_ServiceId",
                table: "logs_log_files",
                newName: "IX_logs_log_files_SourceId");

            migrationBuilder.AddColumn<Guid>(
                name: "BenchmarkId",
                table: "logs_log_lines",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_logs_log_lines_BenchmarkId_Id",
                table: "logs_log_lines",
                columns: new[] { "BenchmarkId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_logs_log_lines_BenchmarkId_Id",
                table: "logs_log_lines");

            migrationBuilder.DropColumn(
                name: "BenchmarkId",
                table: "logs_log_lines");

            migrationBuilder.RenameColumn(
                name: "SourceId",
                table: "logs_log_files",
                newName: "ServiceId");

            migrationBuilder.RenameIndex(
                name: "IX_logs_log_files_SourceId",
                table: "logs_log_files",
                newName: "IX_logs_log_files_ServiceId");
        }
    }
}
