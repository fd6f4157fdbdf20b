using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Postgres.Client
{
    /// <inheritdoc />
    public partial class BenchmarkResults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "CancelRequested",
                schema: "client",
                table: "benchmarks",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "Completed",
                schema: "client",
                table: "benchmarks",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Dataset",
                schema: "client",
                table: "benchmarks",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "E2eP50Ms",
                schema: "client",
                table: "benchmarks",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Error",
                schema: "client",
                table: "benchmarks",
                type: "character varying(4096)",
                maxLength: 4096,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "Failed",
                schema: "client",
                table: "benchmarks",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Model",
                schema: "client",
                table: "benchmarks",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "OutputTokenThroughput",
                schema: "client",
                table: "benchmarks",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "RequestThroughput",
                schema: "client",
                table: "benchmarks",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Series",
                schema: "client",
                table: "benchmarks",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Spec",
                schema: "client",
                table: "benchmarks",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Summary",
                schema: "client",
                table: "benchmarks",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "TtftP50Ms",
                schema: "client",
                table: "benchmarks",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "TtftP99Ms",
                schema: "client",
                table: "benchmarks",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Vllm",
                schema: "client",
                table: "benchmarks",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "benchmark_requests",
                schema: "client",
                columns: table => new
                {
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    Part = table.Column<int>(type: "integer", nullable: false),
                    Count = table.Column<int>(type: "integer", nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_benchmark_requests", x => new { x.RunId, x.Part });
                    table.ForeignKey(
                        name: "FK_benchmark_requests_benchmarks_RunId",
                        column: x => x.RunId,
                        principalSchema: "client",
                        principalTable: "benchmarks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_benchmarks_ExperimentId",
                schema: "client",
                table: "benchmarks",
                column: "ExperimentId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "benchmark_requests",
                schema: "client");

            migrationBuilder.DropIndex(
                name: "IX_benchmarks_ExperimentId",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "CancelRequested",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Completed",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Dataset",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "E2eP50Ms",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Error",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Failed",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Model",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "OutputTokenThroughput",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "RequestThroughput",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Series",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Spec",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Summary",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "TtftP50Ms",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "TtftP99Ms",
                schema: "client",
                table: "benchmarks");

            migrationBuilder.DropColumn(
                name: "Vllm",
                schema: "client",
                table: "benchmarks");
        }
    }
}
