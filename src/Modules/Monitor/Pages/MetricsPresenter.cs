using Aibench.Shared.Components.Charts;
using System.Globalization;
using Aibench.Monitor.Features;

namespace Aibench.Monitor.Pages;

/// <summary>What one preset showed at the last refresh: a chart, nothing (no samples) or why not.</summary>
// Public only because it is a parameter of the (public, generated) PresetCard panel.
public sealed record PresetResult(Chart? Chart, string? Error);

/// <summary>Whose series the metrics page shows: the host, a service or an experiment.</summary>
internal readonly record struct MetricSource(string Kind, Guid? Id)
{
    public const string HostKey = "host";

    public static readonly MetricSource Host = new(HostKey, null);

    /// <summary>The page's query: an experiment wins over a service; anything that is not an id shows the host.</summary>
    public static MetricSource Of(string? experiment, string? service) =>
        Guid.TryParse(experiment, out var e) ? new("experiment", e)
        : Guid.TryParse(service, out var s) ? new("service", s)
        : Host;

    /// <summary>The source picker's value, e.g. <c>service:…</c>.</summary>
    public string Key => Id is { } id ? $"{Kind}:{id}" : HostKey;

    /// <summary>The page that shows the source behind a picker value.</summary>
    public static string LinkOf(string key)
    {
        var colon = key.IndexOf(':');
        return colon < 0 ? "/monitor" : $"/monitor?{key[..colon]}={key[(colon + 1)..]}";
    }
}

/// <summary>
/// The metrics page's state and rules: the source, preset group and range, the time grid, the targets' names and
/// texts. The page does the reading and rendering.
/// </summary>
internal sealed class MetricsPresenter
{
    public static readonly int[] Ranges = [5, 15, 60];

    // Every chart of a page shares one time grid; few enough steps per range that a line stays readable and cheap.
    private static readonly Dictionary<int, TimeSpan> Steps = new()
    {
        [5] = TimeSpan.FromSeconds(5), [15] = TimeSpan.FromSeconds(15), [60] = TimeSpan.FromSeconds(30),
    };

    private static readonly int[] SpanSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

    private readonly Dictionary<Guid, string> _serviceNames = new();

    public MetricSource Source { get; private set; } = MetricSource.Host;

    /// <summary>The query named something that is not an id, so the host is shown instead.</summary>
    public string? SourceProblem { get; private set; }

    public string Group { get; set; } = MetricPresets.Host;

    // Five minutes: a benchmark step is minutes long, and its curve should fill the chart.
    public int Minutes { get; set; } = 5;

    public Dictionary<string, PresetResult> Results { get; } = new();

    public IReadOnlyList<ScrapeStatus>? Scrapes { get; set; }

    public string? ScrapeError { get; set; }

    /// <summary>The stored span of the shown service's or experiment's series (null for the host or before the first read).</summary>
    public Features.SeriesSpan? Span { get; set; }

    /// <summary>The window the charts show now: an ended source's own span, else the last <see cref="Minutes"/>.</summary>
    public (DateTimeOffset From, DateTimeOffset To, TimeSpan Step) CurrentWindow(DateTimeOffset now) => Ended(Span, now) ?? Window(Minutes, now);

    /// <summary>Says so when the charts follow the source's own span rather than the range buttons.</summary>
    public string? WindowNote(DateTimeOffset now) => Ended(Span, now) is { } w
        ? $"its series ended: showing its own window, {Utc(w.From)} to {Utc(w.To)}"
        : null;

    /// <summary>The series plotted from the "Any series" form, shown above the presets.</summary>
    public Preset? Custom { get; set; }

    public string[] Groups => Source.Kind == MetricSource.HostKey ? MetricPresets.HostGroups : MetricPresets.ServiceGroups;

    public IEnumerable<Preset> Visible => MetricPresets.Of(Group);

    /// <summary>The presets to read at a refresh: the custom one first.</summary>
    public IEnumerable<Preset> Shown => Custom is null ? Visible : Visible.Prepend(Custom);

    /// <summary>Shows another source: its own group and results, and a word when the query was not an id.</summary>
    public void Show(string? experiment, string? service)
    {
        Source = MetricSource.Of(experiment, service);
        Results.Clear();
        Group = Groups[0];
        SourceProblem = (experiment is not null && !Guid.TryParse(experiment, out _)) || (service is not null && !Guid.TryParse(service, out _))
            ? $"'{experiment ?? service}' is not a service or experiment id; showing the aibench host."
            : null;
    }

    /// <summary>The services whose names the page still has to ask for: the targets' and the shown one.</summary>
    public IEnumerable<Guid> Unnamed() =>
        (Scrapes ?? []).Select(s => s.ServiceId).OfType<Guid>().Append(Source.Kind == "service" ? Source.Id!.Value : Guid.Empty)
            .Where(s => s != Guid.Empty && !_serviceNames.ContainsKey(s)).Distinct().ToList();

    public void Named(Guid service, string? recipe)
    {
        var id = service.ToString()[..8];
        _serviceNames[service] = recipe is null ? $"service {id}" : $"{recipe} ({id})";
    }

    public string ServiceName(Guid service) => _serviceNames.GetValueOrDefault(service) ?? $"service {service.ToString()[..8]}";

    public IEnumerable<(string Key, string Name)> SourceChoices()
    {
        var services = (Scrapes ?? []).Select(s => s.ServiceId).OfType<Guid>().ToList();
        if (Source is ("service", { } current)) services.Add(current);
        foreach (var service in services.Distinct().OrderBy(ServiceName, StringComparer.Ordinal))
        {
            yield return ($"service:{service}", ServiceName(service));
        }

        if (Source is ("experiment", { } experiment))
        {
            yield return ($"experiment:{experiment}", $"experiment {experiment.ToString()[..8]}");
        }
    }

    public string Describe() => Source switch
    {
        ("service", { } id) => $"Service {ServiceName(id)}",
        ("experiment", { } id) => $"Experiment {id}",
        _ => "The aibench host's own aibench_* and process_* series",
    };

    /// <summary>The series to ask for one query of a preset, on the grid of <see cref="Window"/>.</summary>
    public GetSeries Query(PresetQuery query, DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        var (kind, id) = Source;
        var stepText = ((int)step.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        return new GetSeries(
            kind == "service" ? id : null, kind == "experiment" ? id : null, query.Metric, from, to, query.Fn, query.Q, query.Fn == "raw" ? null
                : stepText,
            Sum: query.Sum);
    }

    /// <summary>
    /// The window of a service or experiment whose series ended (nothing newer than a minute): its own span, from its first
    /// sample to its last on a grid of at most about 240 steps, instead of the last minutes, which would be empty.
    /// Null while it still reports (the last <see cref="Minutes"/> then, as for the host).
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset To, TimeSpan Step)? Ended(Features.SeriesSpan? span, DateTimeOffset now)
    {
        if (span is not { } s || now - s.Last < TimeSpan.FromMinutes(1)) return null;
        var seconds = Math.Max(1, (s.Last - s.First).TotalSeconds);
        var step = TimeSpan.FromSeconds(SpanSteps.FirstOrDefault(x => seconds / x <= 240, 900));
        var from = DateTimeOffset.FromUnixTimeMilliseconds(s.First.ToUnixTimeMilliseconds() - s.First.ToUnixTimeMilliseconds() %
            (long)step.TotalMilliseconds);
        return (from, s.Last + step, step);
    }

    // The grid ends on a whole step so that points stay where they are from one refresh to the next.
    public static (DateTimeOffset From, DateTimeOffset To, TimeSpan Step) Window(int minutes, DateTimeOffset now)
    {
        var step = Steps[minutes];
        var ms = now.ToUnixTimeMilliseconds();
        var to = DateTimeOffset.FromUnixTimeMilliseconds(ms - ms % (long)step.TotalMilliseconds);
        return (to.AddMinutes(-minutes), to, step);
    }

    public static string Utc(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var age = now - at;
        return age < TimeSpan.Zero ? "just now"
            : age.TotalMinutes < 1 ? $"{(int)age.TotalSeconds}s ago"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes}m ago"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours}h ago" : Utc(at);
    }
}
