using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Aibench.Migrations.Postgres.Experiments
{
    /// <inheritdoc />
    public partial class Workflow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AbortReason",
                schema: "experiments",
                table: "experiments",
                type: "character varying(2048)",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "CancelRequested",
                schema: "experiments",
                table: "experiments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "FinishedAt",
                schema: "experiments",
                table: "experiments",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "KeepService",
                schema: "experiments",
                table: "experiments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "LoadAttempts",
                schema: "experiments",
                table: "experiments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "LoadStartedBy",
                schema: "experiments",
                table: "experiments",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Parameters",
                schema: "experiments",
                table: "experiments",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "ReadyTimeoutSeconds",
                schema: "experiments",
                table: "experiments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Result",
                schema: "experiments",
                table: "experiments",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Slo",
                schema: "experiments",
                table: "experiments",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Spec",
                schema: "experiments",
                table: "experiments",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Status",
                schema: "experiments",
                table: "experiments",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "TimeLimitMinutes",
                schema: "experiments",
                table: "experiments",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "WarmupBenchmarkId",
                schema: "experiments",
                table: "experiments",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "WarmupSeconds",
                schema: "experiments",
                table: "experiments",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "experiment_stages",
                schema: "experiments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ExperimentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Stage = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Note = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_experiment_stages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_experiment_stages_experiments_ExperimentId",
                        column: x => x.ExperimentId,
                        principalSchema: "experiments",
                        principalTable: "experiments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_experiments_Status",
                schema: "experiments",
                table: "experiments",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_experiment_stages_ExperimentId_StartedAt",
                schema: "experiments",
                table: "experiment_stages",
                columns: new[] { "ExperimentId", "StartedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "experiment_stages",
                schema: "experiments");

            migrationBuilder.DropIndex(
                name: "IX_experiments_Status",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "AbortReason",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "CancelRequested",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "FinishedAt",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "KeepService",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "LoadAttempts",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "LoadStartedBy",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "Parameters",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "ReadyTimeoutSeconds",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "Result",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "Slo",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "Spec",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "Status",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "TimeLimitMinutes",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "WarmupBenchmarkId",
                schema: "experiments",
                table: "experiments");

            migrationBuilder.DropColumn(
                name: "WarmupSeconds",
                schema: "experiments",
                table: "experiments");
        }
    }
}
