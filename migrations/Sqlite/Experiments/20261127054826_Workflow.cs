using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Experiments
{
    /// <inheritdoc />
    public partial class Workflow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AbortReason",
                table: "experiments_experiments",
                type: "TEXT",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "CancelRequested",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "FinishedAt",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "KeepService",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "LoadAttempts",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "LoadStartedBy",
                table: "experiments_experiments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Parameters",
                table: "experiments_experiments",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "ReadyTimeoutSeconds",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Result",
                table: "experiments_experiments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Slo",
                table: "experiments_experiments",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Spec",
                table: "experiments_experiments",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Status",
                table: "experiments_experiments",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "TimeLimitMinutes",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "WarmupBenchmarkId",
                table: "experiments_experiments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "WarmupSeconds",
                table: "experiments_experiments",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "experiments_experiment_stages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ExperimentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Stage = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_experiments_experiment_stages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_experiments_experiment_stages_experiments_experiments_ExperimentId",
                        column: x => x.ExperimentId,
                        principalTable: "experiments_experiments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_experiments_experiments_Status",
                table: "experiments_experiments",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_experiments_experiment_stages_ExperimentId_StartedAt",
                table: "experiments_experiment_stages",
                columns: new[] { "ExperimentId", "StartedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "experiments_experiment_stages");

            migrationBuilder.DropIndex(
                name: "IX_experiments_experiments_Status",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "AbortReason",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "CancelRequested",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "FinishedAt",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "KeepService",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "LoadAttempts",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "LoadStartedBy",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "Parameters",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "ReadyTimeoutSeconds",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "Result",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "Slo",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "Spec",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "Status",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "TimeLimitMinutes",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "WarmupBenchmarkId",
                table: "experiments_experiments");

            migrationBuilder.DropColumn(
                name: "WarmupSeconds",
                table: "experiments_experiments");
        }
    }
}
