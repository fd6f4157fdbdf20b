using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Aibench.Migrations.Sqlite.Server
{
    /// <summary>
    /// The experiment a service was deployed for, and the one of a benchmark's worker job, as the Server module was told
    /// with <c>DeployService</c> and <c>SubmitWorkerJob</c>: Monitor and Logs now read it from the Server module's answers
    /// instead of asking the Experiments module. Rows written before have none and are not backfilled: the Experiments
    /// module does not push ids into other modules after the fact, so metrics and log lines of a service that an
    /// experiment was using across the upgrade carry no experiment label from then on (the series and lines stored
    /// before keep theirs). Services deployed by hand have none either.
    /// </summary>
    public partial class ExperimentIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ExperimentId",
                table: "server_worker_jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ExperimentId",
                table: "server_services",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ExperimentId",
                table: "server_worker_jobs");

            migrationBuilder.DropColumn(
                name: "ExperimentId",
                table: "server_services");
        }
    }
}
