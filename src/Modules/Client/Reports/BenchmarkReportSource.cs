using System.Text.Json;
using Aibench.Client.Features;
using Aibench.Client.LoadGen;
using Aibench.Client.Persistence;
using Aibench.Contracts;
using Aibench.Contracts.Client;
using Aibench.Shared.Api;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Reports;

/// <summary>Reads what a run's report needs from the module's tables.</summary>
internal static class BenchmarkReportSource
{
    /// <summary>The run, or 404; a run that has not ended with results is a 409 that says so.</summary>
    public static async Task<BenchmarkReportInput> LoadAsync(ClientDbContext db, Guid id, CancellationToken ct) =>
        await TryLoadAsync(db, id, ct) ?? throw new NotFoundException("Benchmark", id.ToString());

    /// <summary>The run; null when it does not exist. Throws <see cref="ConflictException"/> while it has no results.</summary>
    public static async Task<BenchmarkReportInput?> TryLoadAsync(ClientDbContext db, Guid id, CancellationToken ct)
    {
        var run = await db.Benchmarks.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (run is null) return null;
        if (!run.Status.IsFinished() || run.Summary is null)
        {
            throw new ConflictException(run.Status.IsFinished()
                ? $"Benchmark '{id}' ended {run.Status.WireName()} without results ({run.Error ?? "no reason given"}): there is nothing to report."
                : $"Benchmark '{id}' is {run.Status.WireName()}: its report can be made once it has ended.");
        }

        var summary = JsonSerializer.Deserialize<RunSummary>(run.Summary, Json.Options)!;
        var series = run.Series is null ? [] : JsonSerializer.Deserialize<List<SecondPoint>>(run.Series, Json.Options) ?? [];
        var records = await ExportBenchmarkHandler.RecordsAsync(db, id, ct);
        return new BenchmarkReportInput(run.Id, run.Name, run.Status, run.Target, run.Model, run.Dataset, run.Error, run.CreatedAt, run.StartedAt,
            run.FinishedAt, JsonSerializer.Deserialize<BenchmarkSpec>(run.Spec, Json.Options)!, summary, series, records);
    }
}
