using System.Globalization;
using Aibench.Client.LoadGen;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Aibench.Client.Cli;

/// <summary>What <c>aibench loadgen</c> shows while it runs, on standard error so that standard output stays the report.</summary>
internal sealed class LoadgenDisplay(bool quiet, TimeProvider time)
{
    private const string Prefix = LoadgenCommand.Prefix;

    /// <summary>Redirected output (CI, log files) gets a line this often instead of a redrawn panel.</summary>
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);

    private TimeSpan? _total;

    public void Starting(string name, string target, string model, string dataset, LoadPlan plan)
    {
        _total = plan.Steps.All(s => s.Duration is not null)
            ? TimeSpan.FromTicks(plan.Steps.Sum(s => s.Duration!.Value.Ticks))
            : null;
        if (!quiet)
        {
            var stop = string.Join(", ", new[]
            {
                _total is { } t ? $"for {Aibench.Shared.Text.Duration.Format(t)}" : null,
                plan.MaxRequests is { } m ? $"at most {m} requests" : null,
                plan.MeasuredCap is { } c ? $"{c} measured requests after the warm-up" : null,
            }.Where(s => s is not null));
            Console.Error.WriteLine($"{Prefix}{name}: {target}, model {model}, dataset {dataset}, {stop}. Ctrl+C stops and keeps the results.");
        }
    }

    public async Task<RunOutcome> RunAsync(LoadRunner runner, string dataset, CancellationToken ct)
    {
        if (quiet)
        {
            return await runner.RunAsync(dataset, null, ct);
        }

        if (Console.IsErrorRedirected)
        {
            var last = TimeSpan.Zero;
            return await runner.RunAsync(dataset, p =>
            {
                if (p.Elapsed - last >= PlainInterval)
                {
                    last = p.Elapsed;
                    Console.Error.WriteLine(Prefix + ProgressLine(p, _total));
                }
            }, ct);
        }

        var latest = new Latest();
        var console = LoadgenReport.ConsoleFor(Console.Error, terminal: true);
        var run = runner.RunAsync(dataset, p => latest.Value = p, ct);
        await console.Live(Panel(null)).AutoClear(false).StartAsync(async context =>
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(LiveInterval, time, CancellationToken.None));
                context.UpdateTarget(Panel(latest.Value));
            }
        });
        return await run;
    }

    /// <summary>The progress callback runs on the runner's timer; the panel is drawn from the command's flow.</summary>
    private sealed class Latest
    {
        private volatile RunProgress? _value;

        public RunProgress? Value
        {
            get => _value;
            set => _value = value;
        }
    }

    internal static string ProgressLine(RunProgress p, TimeSpan? total) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Clock(p.Elapsed)}{(total is { } t ? " / " + Clock(t) : "")} step {p.Step}/{p.Steps} ({p.StepLabel}): sent {p.Sent}, completed "
                + $"{p.Completed}, errors {p.Errors}, in flight {p.InFlight}, {p.RequestsPerSecond:0.##} req/s, {p.OutputTokensPerSecond:0.#} out "
                    + $"tok/s, TTFT {(p.TtftMeanMs is { } ttft ? ttft.ToString("0.##", CultureInfo.InvariantCulture) + " ms" : "-")}");

    private IRenderable Panel(RunProgress? p)
    {
        if (p is null)
        {
            return new Text("starting…");
        }

        var grid = new Grid();
        for (var i = 0; i < 6; i++)
        {
            grid.AddColumn(new GridColumn().PadRight(3));
        }

        static IRenderable Label(string text) => new Text(text, new Style(decoration: Decoration.Dim));
        static IRenderable Value(string text) => new Text(text, new Style(decoration: Decoration.Bold));
        var i18n = CultureInfo.InvariantCulture;
        grid.AddRow(
            Label("elapsed"), Value(Clock(p.Elapsed) + (_total is { } t ? " / " + Clock(t) : "")),
            Label("step"), Value($"{p.Step}/{p.Steps} {p.StepLabel}"),
            Label("in flight"), Value(p.InFlight.ToString(i18n)));
        grid.AddRow(
            Label("sent"), Value(p.Sent.ToString(i18n)),
            Label("completed"), Value(p.Completed.ToString(i18n)),
            Label("errors"), new Text(p.Errors.ToString(i18n), new Style(p.Errors > 0 ? Color.Red : Color.Default, decoration: Decoration.Bold)));
        grid.AddRow(
            Label("req/s (1 s)"), Value(p.RequestsPerSecond.ToString("0.##", i18n) + (p.TargetRate is { } r ? $" of {r:0.##}" : "")),
            Label("out tok/s (1 s)"), Value(p.OutputTokensPerSecond.ToString("0.#", i18n)),
            Label("TTFT (1 s)"), Value(p.TtftMeanMs is { } ttft ? ttft.ToString("0.##", i18n) + " ms" : "-"));
        return grid;
    }

    private static string Clock(TimeSpan t) =>
        t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalMinutes}:{t.Seconds:00}");
}
