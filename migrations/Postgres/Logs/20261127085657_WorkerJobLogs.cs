using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Logs
{
    /// <inheritdoc />
    public partial class WorkerJobLogs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(
                name: "ServiceId",
                schema: "logs",
                table: "log_files",
                newName: "SourceId");

            migrationBuilder.RenameIndex(
                name: "IX_log_files_ServiceId",
                schema: "logs",
                table: "log_files",
                newName: "IX_log_files_SourceId");

            migrationBuilder.AddColumn<Guid>(
                name: "BenchmarkId",
                schema: "logs",
                table: "log_lines",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_log_lines_BenchmarkId_Id",
                schema: "logs",
                table: "log_lines",
                columns: new[] { "BenchmarkId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_log_lines_BenchmarkId_Id",
                schema: "logs",
                table: "log_lines");

            migrationBuilder.DropColumn(
                name: "BenchmarkId",
                schema: "logs",
                table: "log_lines");

            migrationBuilder.RenameColumn(
                name: "SourceId",
                schema: "logs",
                table: "log_files",
                newName: "ServiceId");

            migrationBuilder.RenameIndex(
                name: "IX_log_files_SourceId",
                schema: "logs",
                table: "log_files",
                newName: "IX_log_files_ServiceId");
        }
    }
}
