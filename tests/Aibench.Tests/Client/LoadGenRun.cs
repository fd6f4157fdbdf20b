using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Datasets;
using Aibench.Contracts.Client;

namespace Aibench.Tests.Client;

/// <summary>Runs the load generator the way the job and the CLI do: validate, plan, load the dataset, run.</summary>
internal static class LoadGenRun
{
    public static async Task<(RunOutcome Outcome, RunSummary Summary)> RunAsync(
        BenchmarkSpec spec, Uri url, CancellationToken ct, string model = "sim-model", Action<RunProgress>? progress = null)
    {
        spec = spec with { Urls = [url.ToString()] };
        var validation = new BenchmarkSpecValidator().Validate(spec);
        Assert.True(validation.IsValid, string.Join("; ", validation.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
        var plan = LoadPlan.From(spec, [.. spec.Urls!.Select(u => { BenchmarkSpecValidator.TryEndpoint(u, out var e); return e; })], model);
        var prompts = DatasetLoader.Load(spec.Dataset, spec.Api, spec.Seed, ct);
        using var runner = new LoadRunner(plan, prompts);
        var outcome = await runner.RunAsync(prompts.Description, progress, ct);
        return (outcome, Summarizer.Summarize(outcome));
    }

    /// <summary>Most requests in flight at once, computed from the records' own send and end times.</summary>
    public static int MaxOverlap(IEnumerable<RequestRecord> records)
    {
        var events = records.SelectMany(r => new[] { (T: r.SentUs, D: 1), (T: r.EndUs, D: -1) })
            .OrderBy(e => e.T).ThenBy(e => e.D);
        int current = 0, max = 0;
        foreach (var e in events)
        {
            current += e.D;
            max = Math.Max(max, current);
        }

        return max;
    }
}
