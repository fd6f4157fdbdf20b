using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Client
{
    /// <inheritdoc />
    public partial class BenchmarkResults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "CancelRequested",
                table: "client_benchmarks",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "Completed",
                table: "client_benchmarks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Dataset",
                table: "client_benchmarks",
                type: "TEXT",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "E2eP50Ms",
                table: "client_benchmarks",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Error",
                table: "client_benchmarks",
                type: "TEXT",
                maxLength: 4096,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "Failed",
                table: "client_benchmarks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Model",
                table: "client_benchmarks",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "OutputTokenThroughput",
                table: "client_benchmarks",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "RequestThroughput",
                table: "client_benchmarks",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Series",
                table: "client_benchmarks",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Spec",
                table: "client_benchmarks",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Summary",
                table: "client_benchmarks",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "TtftP50Ms",
                table: "client_benchmarks",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "TtftP99Ms",
                table: "client_benchmarks",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Vllm",
                table: "client_benchmarks",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "client_benchmark_requests",
                columns: table => new
                {
                    RunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Part = table.Column<int>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false),
                    Data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_client_benchmark_requests", x => new { x.RunId, x.Part });
                    table.ForeignKey(
                        name: "FK_client_benchmark_requests_client_benchmarks_RunId",
                        column: x => x.RunId,
                        principalTable: "client_benchmarks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_client_benchmarks_ExperimentId",
                table: "client_benchmarks",
                column: "ExperimentId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "client_benchmark_requests");

            migrationBuilder.DropIndex(
                name: "IX_client_benchmarks_ExperimentId",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "CancelRequested",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Completed",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Dataset",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "E2eP50Ms",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Error",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Failed",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Model",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "OutputTokenThroughput",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "RequestThroughput",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Series",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Spec",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Summary",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "TtftP50Ms",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "TtftP99Ms",
                table: "client_benchmarks");

            migrationBuilder.DropColumn(
                name: "Vllm",
                table: "client_benchmarks");
        }
    }
}
