using Aibench.Client.LoadGen;
using Aibench.Client.LoadGen.Distributed;
using Aibench.Contracts.Client;
using HdrHistogram;

namespace Aibench.Tests.Client;

/// <summary>Placement validation, each worker's share, the lock-step schedule and the exact merge, without a cluster.</summary>
public sealed class DistributedPlanTests
{
    private static readonly string[] Url = ["http://node1:8000"];

    private static string[] Fields(BenchmarkSpec spec) =>
        [.. new BenchmarkSpecValidator().Validate(spec).Errors.Select(e => e.PropertyName).Distinct()];

    private static BenchmarkSpec Slurm(LoadShape load, PlacementSpec? placement = null, string? duration = "1m") =>
        new(Urls: Url, Load: load, Duration: duration, Placement: placement ?? new PlacementSpec("slurm", Nodes: 4));

    [Fact]
    public void A_slurm_placement_with_enough_load_per_worker_is_valid()
    {
        Assert.Empty(Fields(Slurm(new LoadShape("rate", Rate: 40))));
        Assert.Empty(Fields(Slurm(new LoadShape("concurrency", Concurrency: 8), new PlacementSpec("slurm", 2, 4, "batch", "p200000", "files"))));
    }

    [Theory]
    [InlineData("cloud", 4, 1, null, null, "http", "placement.kind")]
    [InlineData("slurm", 0, 1, null, null, "http", "placement.nodes")]
    [InlineData("slurm", 2, 0, null, null, "http", "placement.tasksPerNode")]
    [InlineData("slurm", 2, 1, "gpu;rm -rf ~", null, "http", "placement.partition")]
    [InlineData("slurm", 2, 1, null, "$(id)", "http", "placement.account")]
    [InlineData("slurm", 2, 1, null, null, "carrier-pigeon", "placement.reporting")]
    [InlineData("slurm", 64, 64, null, null, "http", "placement.workers")]
    public void Bad_placements_are_refused_naming_the_field(string kind, int nodes, int tasks, string? partition, string? account, string reporting,
        string field) =>
        Assert.Contains(field, Fields(Slurm(new LoadShape("rate", Rate: 10), new PlacementSpec(kind, nodes, tasks, partition, account, reporting))));

    [Fact]
    public void Every_worker_needs_at_least_one_request_in_flight()
    {
        Assert.Contains("placement.workers", Fields(Slurm(new LoadShape("concurrency", Concurrency: 3))));
        Assert.Contains("placement.workers", Fields(Slurm(new LoadShape("sweep", Concurrencies: [8, 2]))));
    }

    [Fact]
    public void A_slurm_placement_needs_a_duration_for_its_time_limit() =>
        Assert.Contains("duration", Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape("rate", Rate: 10), MaxRequests: 100,
            Placement: new PlacementSpec("slurm", 2))));

    [Fact]
    public void Rates_are_divided_and_concurrency_remainders_go_to_the_first_workers_with_a_seed_each()
    {
        var rate = Enumerable.Range(0, 4).Select(w => WorkerShare.For(new BenchmarkSpec(Load: new LoadShape("rate", Rate: 30), Seed: 7), w,
            4)).ToList();
        Assert.All(rate, s => Assert.Equal(7.5, s.Load!.Rate));
        Assert.Equal([7, 8, 9, 10], rate.Select(s => s.Seed));
        Assert.All(rate, s => Assert.Null(s.Placement));

        var closed = Enumerable.Range(0, 4).Select(w => WorkerShare.For(new BenchmarkSpec(Load: new LoadShape("concurrency", Concurrency: 10)), w,
            4).Load!.Concurrency!.Value).ToList();
        Assert.Equal([3, 3, 2, 2], closed);

        var sweep = Enumerable.Range(0, 4).Select(w => WorkerShare.For(new BenchmarkSpec(Load: new LoadShape("sweep", Rates: [8, 20])), w,
            4).Load!.Rates!).ToList();
        Assert.All(sweep, r => Assert.Equal([2.0, 5.0], r));
        var ramp = WorkerShare.For(new BenchmarkSpec(Load: new LoadShape("ramp", From: 4, To: 40)), 1, 4).Load!;
        Assert.Equal((1.0, 10.0), (ramp.From!.Value, ramp.To!.Value));
    }

    [Fact]
    public void Steps_start_at_the_same_offsets_for_every_worker()
    {
        var starts = WorkerShare.StepStarts(3, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5));
        // 30 s per step plus a settle of max(5 s, 20 % of the step) = 6 s.
        Assert.Equal([0L, 36_000_000L, 72_000_000L], starts);
    }

    [Fact]
    public void Merged_percentiles_equal_those_of_all_records_and_of_the_added_worker_histograms()
    {
        var plan = LoadPlan.From(new BenchmarkSpec(Urls: Url, Load: new LoadShape("rate", Rate: 40), Duration: "10s"),
            [new Uri("http://node1:8000/")], "m");
        var random = new Random(3);
        var finals = new List<WorkerFinal>();
        var all = new List<RequestRecord>();
        var added = new LongHistogram(Histograms.MaxUs, 3);
        for (var w = 0; w < 4; w++)
        {
            var records = new List<RequestRecord>();
            var ttft = Histograms.New();
            var e2e = Histograms.New();
            for (var i = 0; i < 250; i++)
            {
                // Each worker has its own latency level: averaging their percentiles would be wrong here.
                var scheduled = i * 40_000L;
                var first = scheduled + 1_000 + (w * 20_000) + random.Next(0, 50_000);
                var r = new RequestRecord
                {
                    Index = i, ScheduledUs = scheduled, SentUs = scheduled + 50, FirstTokenUs = first, EndUs = first + 10_000, InputTokens = 32,
                    ServerInputTokens = 32, OutputTokens = 4, ServerOutputTokens = 4, Chunks = 4, HttpStatus = 200,
                };
                records.Add(r);
                ttft.Record(r.TtftUs!.Value);
                e2e.Record(r.E2eUs);
            }

            var offset = w * 700L;
            all.AddRange(records);
            added.Add(ttft);
            finals.Add(new WorkerFinal(w, $"node{w + 1}", 1_800_000_000_000_000 + offset, "random", Convert.ToBase64String(Exports.Encode(records)),
                [HistogramData.From(Histograms.New())], [new StepWindow(0, "10 req/s", null, 10, 0, 0, 10_000_000, 10_100_000)], [], 1, "duration",
                    false,
                new Dictionary<string, string>(), HistogramData.From(ttft), HistogramData.From(e2e)));
        }

        var merged = WorkerMerge.Merge(plan, finals, [], cancelled: false);
        var summary = Summarizer.Summarize(merged.Outcome);
        var direct = Histograms.New();
        foreach (var r in all) direct.Record(r.TtftUs!.Value);

        Assert.Equal(1000, summary.Overall.Completed);
        Assert.Equal(finals.Count, merged.Workers.Count);
        Assert.Equal(1000, merged.Workers.Sum(w => w.Completed));
        Assert.Equal(Math.Round(direct.GetValueAtPercentile(50) / 1000.0, 3), summary.Overall.TtftMs!.P50);
        Assert.Equal(Math.Round(direct.GetValueAtPercentile(99) / 1000.0, 3), summary.Overall.TtftMs!.P99);
        Assert.Equal(direct.GetValueAtPercentile(99), merged.Ttft.GetValueAtPercentile(99));
        Assert.Equal(added.GetValueAtPercentile(50), merged.Ttft.GetValueAtPercentile(50));
        Assert.Equal(40, summary.Overall.TargetRate);
        Assert.False(merged.Outcome.Partial);
    }

    [Fact]
    public void Merging_keeps_each_requests_chunk_gaps_and_text_with_its_record_and_drops_a_kind_a_worker_lacks()
    {
        var plan = LoadPlan.From(new BenchmarkSpec(Urls: Url, Load: new LoadShape("rate", Rate: 4), Duration: "10s"), [new Uri("http://node1:8000/")],
            "m");
        WorkerFinal Final(int worker, bool withGaps)
        {
            // The two workers' requests interleave once put on one clock, so the merge reorders them; InputTokens marks each one.
            RequestRecord[] records = [.. Enumerable.Range(0, 5).Select(i => new RequestRecord
            {
                Index = i, ScheduledUs = (i * 100_000L) + (worker * 50_000L), SentUs = (i * 100_000L) + (worker * 50_000L), FirstTokenUs = -1,
                LastTokenUs = -1, EndUs = (i * 100_000L) + 90_000, InputTokens = (worker * 100) + i, ServerInputTokens = -1, ServerOutputTokens = -1,
            })];
            var details = new RequestDetails([.. records.Select(r => new[] { r.InputTokens, r.InputTokens + 1 })],
                [.. records.Select(r => $"text {r.InputTokens}")]);
            var empty = HistogramData.From(Histograms.New());
            return new WorkerFinal(worker, null, 1_800_000_000_000_000, "random", Convert.ToBase64String(Exports.Encode(records)), [empty], [], [], 1,
                "duration", false, new Dictionary<string, string>(), empty, empty)
            {
                ChunkGaps = withGaps ? Convert.ToBase64String(RequestDetails.EncodeGaps(details.ChunkGapsUs!)) : null,
                Texts = Convert.ToBase64String(RequestDetails.EncodeTexts(details.Texts!)),
            };
        }

        var merged = WorkerMerge.Merge(plan, [Final(0, true), Final(1, true)], [], cancelled: false).Outcome;
        var partly = WorkerMerge.Merge(plan, [Final(0, true), Final(1, false)], [], cancelled: false).Outcome;

        Assert.Equal([0, 100, 1, 101, 2], merged.Records.Take(5).Select(r => r.InputTokens));
        for (var i = 0; i < merged.Records.Count; i++)
        {
            var marker = merged.Records[i].InputTokens;
            Assert.Equal([marker, marker + 1], merged.Details.ChunkGapsUs![i]!);
            Assert.Equal($"text {marker}", merged.Details.Texts![i]);
        }

        // Gaps of some requests only would not line up with input_lens: the kind is left out, the texts that all gave are kept.
        Assert.Null(partly.Details.ChunkGapsUs);
        Assert.Equal(10, partly.Details.Texts!.Length);
    }

    [Fact]
    public void A_lost_worker_makes_the_merged_run_partial_and_keeps_its_last_counters()
    {
        var plan = LoadPlan.From(new BenchmarkSpec(Urls: Url, Load: new LoadShape("rate", Rate: 4), Duration: "10s"), [new Uri("http://node1:8000/")],
            "m");
        var empty = HistogramData.From(Histograms.New());
        var last = new WorkerSnapshot(1, "node2", 3, 1, 12, 10, 0, 2, 4, 16, empty, empty);
        var merged = WorkerMerge.Merge(plan, [], [new LostWorker(1, "node2", "killed by signal 9 (exit 137)", last)], cancelled: false);
        Assert.True(merged.Outcome.Partial);
        var dead = Assert.Single(merged.Workers);
        Assert.Equal(("died", "node2", 12L), (dead.Status, dead.Node, dead.Sent));
    }
}
