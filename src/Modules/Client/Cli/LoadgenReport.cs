using System.Globalization;
using Aibench.Client.LoadGen;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Aibench.Client.Cli;

/// <summary>The final report of <c>aibench loadgen</c> on standard output: throughput, latency, errors, token counts.</summary>
internal static class LoadgenReport
{
    private static readonly CultureInfo I = CultureInfo.InvariantCulture;

    /// <summary>
    /// A console on <paramref name="writer"/>. Off a terminal the tables are plain ASCII without colour and wide enough
    /// not to wrap, so a log file or a pipe gets aligned text that tools can read.
    /// </summary>
    public static IAnsiConsole ConsoleFor(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 240;
            console.Profile.Capabilities.Unicode = false;
        }

        return console;
    }

    public static void Print(RunSummary summary, LoadPlan plan, string name, string target, string dataset)
    {
        var terminal = !Console.IsOutputRedirected;
        var console = ConsoleFor(Console.Out, terminal);
        var border = terminal ? TableBorder.Rounded : TableBorder.Ascii;
        var wall = summary.WallSeconds.ToString("0.##", I);

        console.WriteLine($"{name}: {target}, model {plan.Model}, dataset {dataset}");
        console.WriteLine(summary.Partial
            ? $"partial: cancelled after {wall} s; the numbers cover the requests that finished before."
            : $"finished after {wall} s (stopped by {summary.StopReason}).");
        console.WriteLine();

        var results = summary.Steps.Count > 1 ? [.. summary.Steps, summary.Overall] : new List<StepResult> { summary.Overall };
        // Headings as plain lines: a table title is padded to the table's width.
        console.WriteLine("throughput");
        console.Write(Throughput(results, plan, border));
        console.WriteLine();
        // One latency table per step: a step column would not fit an 80-column terminal.
        foreach (var result in results)
        {
            console.WriteLine(results.Count > 1 ? $"latency (ms), {result.Label}" : "latency (ms)");
            console.Write(Latency(result, border));
            console.WriteLine();
        }

        var overall = summary.Overall;
        foreach (var (kind, count) in overall.Errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            console.WriteLine($"errors {kind}: {count}, e.g. {summary.ErrorSamples.GetValueOrDefault(kind, "no message")}");
        }

        if (overall.Cancelled > 0)
        {
            console.WriteLine($"cancelled: {overall.Cancelled} requests were in flight when the run stopped; they are not counted.");
        }

        if (overall.Warmup > 0)
        {
            console.WriteLine($"warm-up: {overall.Warmup} requests were sent during --warmup and are not counted.");
        }

        console.WriteLine($"prompt tokens counted by {summary.TokenCounter}{(summary.TokenizerNote is { } note ? $" ({note})" : "")}.");
        var tokens = overall.Tokens;
        if (tokens.RequestsWithUsage > 0)
        {
            console.WriteLine(
                $"tokens, server vs client count over {tokens.RequestsWithUsage} answers with usage: input {tokens.ServerInput} vs "
                    + $"{tokens.ClientInput}{Percent(tokens.InputMismatchPercent)}, output {tokens.ServerOutput} vs "
                        + $"{tokens.ClientOutput}{Percent(tokens.OutputMismatchPercent)}.");
        }
        else if (overall.Completed > 0)
        {
            console.WriteLine($"tokens: the server sent no usage; counts are the client's ({summary.TokenCounter}).");
        }
    }

    /// <summary>
    /// The client envelope as a table (what this machine's client achieves against a zero-latency server), the warm-up
    /// line and the client-limited verdict.
    /// </summary>
    public static void PrintEnvelope(ClientEnvelope envelope, ClientWarmup? warmup, RunSummary? summary)
    {
        var terminal = !Console.IsOutputRedirected;
        var console = ConsoleFor(Console.Out, terminal);
        var border = terminal ? TableBorder.Rounded : TableBorder.Ascii;
        if (!envelope.IsMeasured)
        {
            console.WriteLine($"client envelope: {envelope.Status}: {envelope.Reason}");
        }
        else
        {
            console.WriteLine(string.Create(I,
                $"client envelope ({envelope.Shape} against a zero-latency endpoint on this node, {envelope.ConfiguredSeconds:0.##} s of load, "
                    + $"{envelope.DurationSeconds:0.##} s in all)"));
            var table = new Table().Border(border);
            AddColumns(table, ["", "value"]);
            string Opt(double? v, string format) => v is { } x ? x.ToString(format, I) : "-";
            AddRow(table, ["achieved / target", envelope.AchievedRatio is { } ratio
                ? string.Create(I, $"{ratio:0.###} ({envelope.AchievedRate:0.##} of {envelope.TargetRate:0.##} req/s)")
                : string.Create(I, $"closed loop: {envelope.RequestThroughput:0.##} req/s")]);
            AddRow(table, ["schedule lag p50 / p99 ms", $"{Opt(envelope.ScheduleLagP50Ms, "0.000")} / {Opt(envelope.ScheduleLagP99Ms, "0.000")}"]);
            AddRow(table, ["TTFT floor p50 / p99 ms", $"{Opt(envelope.TtftP50Ms, "0.000")} / {Opt(envelope.TtftP99Ms, "0.000")}"]);
            AddRow(table, ["ITL floor p50 / p99 ms", $"{Opt(envelope.ItlP50Ms, "0.000")} / {Opt(envelope.ItlP99Ms, "0.000")}"]);
            AddRow(table, ["E2E floor p50 / p99 ms", $"{Opt(envelope.E2eP50Ms, "0.000")} / {Opt(envelope.E2eP99Ms, "0.000")}"]);
            AddRow(table, ["client CPU", envelope.CpuFraction is { } cpu ? string.Create(I, $"{cpu * 100:0.#} % of {envelope.Cores} cores") : "-"]);
            AddRow(table, ["requests (errors)", string.Create(I, $"{envelope.Requests} ({envelope.Errors})")]);
            console.Write(table);
            if (envelope.Reason is { } reason)
            {
                console.WriteLine($"client envelope: {reason}");
            }
        }

        if (warmup is not null)
        {
            console.WriteLine(string.Create(I,
                $"client warm-up: {warmup.Requests} uncounted requests sent together to {warmup.Endpoints} endpoint(s) ({warmup.Failed} failed), "
                    + $"{warmup.DurationSeconds:0.###} s{(warmup.Calibrated ? ", after the calibration" : "")}."));
        }

        if (summary is null)
        {
            return;
        }

        if (summary.ClientCpu is { } runCpu)
        {
            console.WriteLine(string.Create(I, $"client CPU during the run: {runCpu * 100:0.#} % of {Environment.ProcessorCount} cores."));
        }

        console.WriteLine(summary.ClientLimited
            ? "client-limited: the client, not the service, limited this run: " + string.Join("; ", summary.ClientLimitReasons ?? [])
            : "not client-limited: the client kept up (docs/metrics.md).");
    }

    /// <summary>The references verdict: one row per figure, then the verdict naming each figure out of bounds.</summary>
    public static void PrintReferences(Contracts.Client.ReferenceVerdict? verdict)
    {
        if (verdict is null)
        {
            return;
        }

        var terminal = !Console.IsOutputRedirected;
        var console = ConsoleFor(Console.Out, terminal);
        var table = new Table { Border = terminal ? TableBorder.Rounded : TableBorder.Ascii };
        table.AddColumns("figure", "measured", "reference", "allowed", "verdict");
        static string N(double? v) => v is { } x ? x.ToString("0.###", I) : "-";
        foreach (var c in verdict.Checks)
        {
            var allowed = (c.Low, c.High) switch
            {
                (null, null) => "-",
                ({ } l, null) => $">= {N(l)}",
                (null, { } h) => $"<= {N(h)}",
                ({ } l, { } h) => $"{N(l)} .. {N(h)}",
            };
            AddRow(table, [c.Figure, N(c.Measured), N(c.Reference), allowed, c.Passed ? "ok" : "OUT OF BOUNDS"]);
        }

        console.Write(table);
        console.WriteLine(verdict.Summary);
    }

    private static string Percent(double? value) => value is { } v ? string.Create(I, $" ({v:+0.##;-0.##;0}%)") : "";

    /// <summary>One row per measure and one column per step: a run's numbers stay readable on an 80-column terminal.</summary>
    private static Table Throughput(IReadOnlyList<StepResult> results, LoadPlan plan, TableBorder border)
    {
        var slo = plan.HasObjectives;
        var rows = new List<(string Measure, Func<StepResult, string> Value)>
        {
            ("requests ok", r => r.Completed.ToString(I)),
            ("requests failed", r => r.Failed.ToString(I)),
            ("measured s", r => r.DurationSeconds.ToString("0.##", I)),
            ("req/s", r => r.RequestThroughput.ToString("0.##", I)),
            ("target", r => r.Concurrency is { } c ? $"{c} in flight" : r.TargetRate is { } rate ? string.Create(I, $"{rate:0.##} req/s") : "-"),
            ("achieved", r => r.AchievedRate is { } a ? string.Create(I, $"{a:0.##} req/s")
                : string.Create(I, $"{r.MeanConcurrency:0.##} in flight")),
            ("input tok/s", r => r.InputTokenThroughput.ToString("0.#", I)),
            ("output tok/s", r => r.OutputTokenThroughput.ToString("0.#", I)),
            ("total tok/s", r => r.TotalTokenThroughput.ToString("0.#", I)),
            ("peak output tok/s", r => r.PeakOutputTokensPerSecond.ToString("0", I)),
        };
        if (slo)
        {
            rows.Add(("goodput req/s", r => r.Goodput is { } g ? g.ToString("0.##", I) : "-"));
            rows.Add(("within SLO", r => r.GoodputFraction is { } f ? string.Create(I, $"{f * 100:0.#}%") : "-"));
        }

        var table = new Table().Border(border);
        AddColumns(table, ["", .. results.Select(r => r.Label)]);
        foreach (var (measure, value) in rows)
        {
            AddRow(table, [measure, .. results.Select(value)]);
        }

        return table;
    }

    private static Table Latency(StepResult r, TableBorder border)
    {
        var table = new Table().Border(border);
        AddColumns(table, ["metric", "n", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"]);
        foreach (var (metric, stats) in new[] { ("TTFT", r.TtftMs), ("TPOT", r.TpotMs), ("ITL", r.ItlMs), ("E2E", r.E2eMs),
            ("schedule lag", r.ScheduleLagMs) })
        {
            AddRow(table, stats is null
                ? [metric, "0", "-", "-", "-", "-", "-", "-", "-"]
                : [metric, stats.Count.ToString(I), Ms(stats.Mean), Ms(stats.P50), Ms(stats.P90), Ms(stats.P95), Ms(stats.P99), Ms(stats.P999),
                    Ms(stats.Max)]);
        }

        return table;
    }

    private static string Ms(double value) => value.ToString("0.00", I);

    private static void AddColumns(Table table, IEnumerable<string> headers)
    {
        var first = true;
        foreach (var header in headers)
        {
            var column = new TableColumn(new Text(header));
            table.AddColumn(first ? column.LeftAligned() : column.RightAligned());
            first = false;
        }
    }

    // Text, not markup: labels and messages may hold brackets.
    private static void AddRow(Table table, IEnumerable<string> cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());
}
