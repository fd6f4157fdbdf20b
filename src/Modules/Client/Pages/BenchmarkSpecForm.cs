using System.Globalization;
using Aibench.Contracts.Client;

namespace Aibench.Client.Pages;

/// <summary>
/// The state of the benchmark form and its rules: filled from a spec to run again, turned into the
/// <see cref="StartBenchmark"/> the form sends, and the errors each field shows. No Blazor here, so it is tested fast.
/// </summary>
// Public only because the form is a parameter of its (public, generated) panel components.
public sealed class BenchmarkSpecForm
{
    public string? Name { get; set; }

    public string Target { get; set; } = "urls";

    public string? Urls { get; set; }

    public string? Service { get; set; }

    public string? Model { get; set; }

    public string Api { get; set; } = "completions";

    public bool Stream { get; set; } = true;

    public string Kind { get; set; } = "concurrency";

    public int? Concurrency { get; set; } = 1;

    public double? Rate { get; set; } = 1;

    public string Arrival { get; set; } = "poisson";

    public double Burstiness { get; set; } = 1.0;

    public double? From { get; set; } = 1;

    public double? To { get; set; } = 10;

    public string SweepOver { get; set; } = "rates";

    public string? Sweep { get; set; } = "1, 2, 4, 8";

    public int? MaxInFlight { get; set; }

    public string? Duration { get; set; } = "60s";

    public int? MaxRequests { get; set; }

    public string? Warmup { get; set; }

    public string? Dataset { get; set; } = new BenchmarkSpec().Dataset;

    public int Seed { get; set; } = new BenchmarkSpec().Seed;

    public string? SloTtft { get; set; }

    public string? SloTpot { get; set; }

    public string? SloE2e { get; set; }

    public string? SloItl { get; set; }

    /// <summary>The spec the form was filled from: what the form has no field for (timeout, EOS, experiment) is kept from it.</summary>
    public BenchmarkSpec? Initial { get; private set; }

    // Several rules can fail on one field (urls: none given, one malformed); every message is kept.
    public SortedDictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>A message about the run rather than a field (unknown service, service not ready).</summary>
    public string? General { get; set; }

    public bool OpenLoop => Kind is "rate" or "ramp" || (Kind == "sweep" && SweepOver == "rates");

    public string SweepField => SweepOver == "rates" ? "load.rates" : "load.concurrencies";

    public bool Has(string field) => Errors.ContainsKey(field);

    public string? Message(string field) => Errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;

    public void ClearErrors()
    {
        Errors.Clear();
        General = null;
    }

    public void Add(string field, string message)
    {
        if (!Errors.TryGetValue(field, out var messages))
        {
            Errors[field] = messages = [];
        }

        messages.Add(message);
    }

    /// <summary>Each failure of the server's checks on its field; with none naming a field, <paramref name="general"/> says it.</summary>
    public void Show(IEnumerable<(string Field, string Message)> failures, string general)
    {
        foreach (var (field, message) in failures)
        {
            Add(field, message);
        }

        if (Errors.Count == 0)
        {
            General = general;
        }
    }

    /// <summary>Fills the fields from <paramref name="spec"/>; a number its shape does not use keeps the form's value.</summary>
    public void Fill(BenchmarkSpec spec)
    {
        Initial = spec;
        Name = spec.Name;
        Target = spec.Service is null ? "urls" : "service";
        Service = spec.Service?.ToString();
        Urls = spec.Urls is null ? null : string.Join("\n", spec.Urls);
        Model = spec.Model;
        Api = spec.Api;
        Stream = spec.Stream;
        var load = spec.Load ?? new LoadShape(Concurrency: 1);
        Kind = load.Kind;
        Concurrency = load.Concurrency ?? Concurrency;
        Rate = load.Rate ?? Rate;
        Arrival = load.Arrival;
        Burstiness = load.Burstiness;
        From = load.From ?? From;
        To = load.To ?? To;
        MaxInFlight = load.MaxInFlight;
        if (load.Concurrencies is { Count: > 0 } levels)
        {
            SweepOver = "concurrencies";
            Sweep = string.Join(", ", levels);
        }
        else if (load.Rates is { Count: > 0 } rates)
        {
            SweepOver = "rates";
            Sweep = string.Join(", ", rates.Select(r => r.ToString(CultureInfo.InvariantCulture)));
        }

        Duration = spec.Duration;
        MaxRequests = spec.MaxRequests;
        Warmup = spec.Warmup;
        Dataset = spec.Dataset;
        Seed = spec.Seed;
        SloTtft = spec.Slo?.Ttft;
        SloTpot = spec.Slo?.Tpot;
        SloE2e = spec.Slo?.E2e;
        SloItl = spec.Slo?.Itl;
    }

    /// <summary>
    /// The message Start sends, with the spec as typed. Only what cannot even be put into a spec (a service id that is
    /// not a GUID, a list that is not numbers) is refused here, into <see cref="Errors"/>; the rest is the server's to check.
    /// </summary>
    public StartBenchmark Build()
    {
        Guid? service = null;
        if (Target == "service")
        {
            if (Guid.TryParse(Service?.Trim(), out var id)) service = id;
            else Add("service", "service must be a service id (a GUID).");
        }

        var urls = Target == "urls"
            ? (Urls ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            : null;

        IReadOnlyList<double>? rates = null;
        IReadOnlyList<int>? concurrencies = null;
        if (Kind == "sweep")
        {
            var parts = (Sweep ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries);
            if (SweepOver == "rates")
            {
                var parsed = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                    : (double?)null).ToList();
                if (parsed.Any(v => v is null)) Add("load.rates", "load.rates: give numbers separated by commas, e.g. 1, 2.5, 5.");
                rates = [.. parsed.OfType<double>()];
            }
            else
            {
                var parsed = parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
                    : (int?)null).ToList();
                if (parsed.Any(v => v is null))
                    Add("load.concurrencies", "load.concurrencies: give whole numbers separated by commas, e.g. 1, 4, 16.");
                concurrencies = [.. parsed.OfType<int>()];
            }
        }

        // Only the fields of the chosen shape are sent: the server refuses a shape with fields of another.
        var load = new LoadShape(
            Kind: Kind,
            Concurrency: Kind == "concurrency" ? Concurrency : null,
            Rate: Kind == "rate" ? Rate : null,
            Arrival: Arrival,
            Burstiness: OpenLoop && Arrival == "gamma" ? Burstiness : 1.0,
            From: Kind == "ramp" ? From : null,
            To: Kind == "ramp" ? To : null,
            Rates: rates,
            Concurrencies: concurrencies,
            MaxInFlight: OpenLoop ? MaxInFlight : null);

        var slo = Blank(SloTtft) && Blank(SloTpot) && Blank(SloE2e) && Blank(SloItl) ? null
            : new SloSpec(Text(SloTtft), Text(SloTpot), Text(SloE2e), Itl: Text(SloItl));
        return new StartBenchmark(new BenchmarkSpec(
            Name: Text(Name),
            Service: service,
            Urls: urls,
            Model: Text(Model),
            Api: Api,
            Stream: Stream,
            Load: load,
            Duration: Text(Duration),
            MaxRequests: MaxRequests,
            Warmup: Text(Warmup),
            Dataset: Text(Dataset) ?? "",
            Slo: slo,
            Seed: Seed,
            Timeout: Initial?.Timeout ?? new BenchmarkSpec().Timeout,
            IgnoreEos: Initial?.IgnoreEos ?? true,
            ExperimentId: Initial?.ExperimentId,
            // Not on the form: a capacity probe run again keeps its measured-request cap rather than running to its bound.
            MeasuredRequests: MaxRequests is null ? Initial?.MeasuredRequests : null));
    }

    private static bool Blank(string? s) => string.IsNullOrWhiteSpace(s);

    private static string? Text(string? s) => Blank(s) ? null : s!.Trim();
}
