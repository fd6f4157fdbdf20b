namespace Aibench.Contracts.Client;

/// <summary>
/// Everything a load-generation run needs. The same record is the REST body, what <c>aibench loadgen</c> builds from
/// its flags, and what the Experiments module sends. Durations are text such as <c>500ms</c>, <c>30s</c>, <c>2m</c>.
/// docs/loadgen.md describes every field.
/// </summary>
/// <param name="Name">A label for the run; defaults to the shape and target.</param>
/// <param name="Service">A ready service whose endpoints receive the load (through the Server module).</param>
/// <param name="Urls">Endpoint base URLs (e.g. <c>http://node1:8000</c>), when no service is given.</param>
/// <param name="Spread">How requests are spread over several endpoints: <c>round-robin</c> or <c>least-in-flight</c>.</param>
/// <param name="Model">Model name sent in each request; asked from <c>/v1/models</c> when empty.</param>
/// <param name="Api"><c>completions</c> or <c>chat</c>.</param>
/// <param name="Stream">Stream tokens as server-sent events (needed for TTFT, ITL and TPOT).</param>
/// <param name="Load">The load shape.</param>
/// <param name="Duration">How long to send requests (per step for a sweep).</param>
/// <param name="MaxRequests">Stop after this many requests have been sent.</param>
/// <param name="MeasuredRequests">
/// Stop after this many measured requests have been sent, the warm-up's not counted (as vLLM's <c>--num-prompts</c>
/// beside <c>--num-warmups</c>): a closed loop's warm-up of a given time sends a number of requests no one knows before.
/// Not with <paramref name="MaxRequests"/>.
/// </param>
/// <param name="Warmup">Requests scheduled in this first part of the run (of each sweep step) are sent but not counted.</param>
/// <param name="Dataset">Where prompts come from: <c>random:input=512,output=128</c>, <c>sharegpt:PATH</c>, <c>jsonl:PATH</c>.</param>
/// <param name="Slo">Service-level objectives that define goodput.</param>
/// <param name="Seed">Seed of the dataset and of the arrival times, so a run can be repeated exactly.</param>
/// <param name="Timeout">A request that has not finished after this long counts as a timeout error.</param>
/// <param name="IgnoreEos">Ask the server to generate exactly <c>max_tokens</c> (vLLM's <c>ignore_eos</c>).</param>
/// <param name="ExperimentId">The experiment this run belongs to, if any.</param>
/// <param name="Placement">Where the load comes from: this process (the default) or workers in a SLURM job.</param>
/// <param name="Tokenizer">
/// Path of the served model's Hugging Face <c>tokenizer.json</c> (or its folder), used to count prompt tokens when the
/// server has no <c>/tokenize</c>; the server's own tokenizer is preferred, o200k is the last resort.
/// </param>
/// <param name="Calibration">
/// How long the client envelope is measured before the load (the same shape against a zero-latency endpoint on the
/// same node), e.g. <c>3s</c>, or <c>off</c>; the host's <c>Client:Calibration</c> setting when empty.
/// </param>
/// <param name="ClientWarmup">Warm the client before the clock starts: one uncounted short request per connection to be opened.</param>
/// <param name="References">
/// Figures checked against references when the run ends (<c>{"throughput": {"value": 1200, "lower": "-5%"}}</c>); the
/// verdict names each figure out of bounds, and <c>aibench loadgen</c> exits with code 5 when one is.
/// </param>
/// <param name="KeepTexts">
/// Keep each request's generated text, for the JSON export's <c>vllm.generated_texts</c> (asked with <c>texts=true</c>);
/// off by default, as the texts take memory while the run goes and room once stored. Needs maxRequests or
/// measuredRequests, so that their number is bounded.
/// </param>
public sealed record BenchmarkSpec(
    string? Name = null,
    Guid? Service = null,
    IReadOnlyList<string>? Urls = null,
    string Spread = "round-robin",
    string? Model = null,
    string Api = "completions",
    bool Stream = true,
    LoadShape? Load = null,
    string? Duration = null,
    int? MaxRequests = null,
    string? Warmup = null,
    string Dataset = "random:input=512,output=128",
    SloSpec? Slo = null,
    int Seed = 42,
    string Timeout = "5m",
    bool IgnoreEos = true,
    Guid? ExperimentId = null,
    PlacementSpec? Placement = null,
    string? Tokenizer = null,
    string? Calibration = null,
    bool ClientWarmup = true,
    IReadOnlyDictionary<string, ReferenceBound>? References = null,
    int? MeasuredRequests = null,
    bool KeepTexts = false)
{
    /// <summary>How an experiment names the warm-up run before its measured one, so that lists can fold it under that run.</summary>
    public const string WarmupNameSuffix = " · warm-up";
}

/// <summary>
/// Where a run's load is generated. <c>in-process</c> sends every request from the host; <c>slurm</c> starts
/// <paramref name="Nodes"/> × <paramref name="TasksPerNode"/> load-generator workers as one batch job, each sending its
/// share, and merges what they measured. docs/adr/0009-distributed-load-generation.md explains the protocol.
/// </summary>
/// <param name="Kind"><c>in-process</c> or <c>slurm</c>.</param>
/// <param name="Nodes">Nodes of the worker job (slurm only).</param>
/// <param name="TasksPerNode">Workers per node (slurm only).</param>
/// <param name="Partition">SLURM partition of the worker job; the scheduler's default when empty.</param>
/// <param name="Account">SLURM account of the worker job; the scheduler's default when empty.</param>
/// <param name="Reporting">
/// How workers hand in what they measured: <c>http</c> (to this host with its token, falling back to files when the
/// host cannot be reached) or <c>files</c> (in the job's run folder, read by the host).
/// </param>
public sealed record PlacementSpec(
    string Kind = "in-process",
    int Nodes = 1,
    int TasksPerNode = 1,
    string? Partition = null,
    string? Account = null,
    string Reporting = "http")
{
    /// <summary>Workers started: nodes × tasks per node, or one for in-process.</summary>
    public int Workers => Kind == "slurm" ? Nodes * TasksPerNode : 1;
}

/// <summary>The load shape of a run.</summary>
/// <param name="Kind">
/// <c>concurrency</c> (closed loop: that many requests always in flight), <c>rate</c> (open loop: new requests at
/// <paramref name="Rate"/> per second whatever the server does), <c>ramp</c> (open loop, rate rising linearly from
/// <paramref name="From"/> to <paramref name="To"/> over the duration), <c>sweep</c> (one step per entry of
/// <paramref name="Rates"/> or <paramref name="Concurrencies"/>, each held for the duration).
/// </param>
/// <param name="Concurrency">Requests in flight for <c>concurrency</c>.</param>
/// <param name="Rate">Requests per second for <c>rate</c>.</param>
/// <param name="Arrival">Inter-arrival times of open-loop shapes: <c>constant</c>, <c>poisson</c> or <c>gamma</c>.</param>
/// <param name="Burstiness">Shape factor of <c>gamma</c> arrivals: below 1 burstier than Poisson, above 1 more regular.</param>
/// <param name="From">Start rate of a ramp.</param>
/// <param name="To">End rate of a ramp.</param>
/// <param name="Rates">Request rates of a sweep.</param>
/// <param name="Concurrencies">Concurrency levels of a sweep.</param>
/// <param name="MaxInFlight">Cap on requests in flight for open-loop shapes; time spent waiting for the cap counts as latency.</param>
public sealed record LoadShape(
    string Kind = "concurrency",
    int? Concurrency = null,
    double? Rate = null,
    string Arrival = "poisson",
    double Burstiness = 1.0,
    double? From = null,
    double? To = null,
    IReadOnlyList<double>? Rates = null,
    IReadOnlyList<int>? Concurrencies = null,
    int? MaxInFlight = null);

/// <summary>Service-level objectives; a request meets them when it stays within every one given.</summary>
/// <param name="Ttft">Time to first token, e.g. <c>500ms</c>.</param>
/// <param name="Tpot">Time per output token after the first.</param>
/// <param name="E2e">End-to-end latency.</param>
/// <param name="Target">Share of the measured requests that must meet them (0–1); only <paramref name="StopEarly"/> reads it.</param>
/// <param name="StopEarly">
/// Stop the run once so many measured requests missed the objectives that the share in <paramref name="Target"/> can no
/// longer be reached, whatever the rest do (needs <c>maxRequests</c>): a capacity probe far beyond what the service
/// carries ends in seconds. In-flight requests are cancelled; the run ends with stop reason <c>slo-broken</c>.
/// </param>
/// <param name="Itl">
/// Inter-token latency of a request: (last token − first token) / (output tokens − 1), the mean gap between its tokens
/// as GuideLLM defines it (unlike TPOT, the wait for the end of the answer after its last token is not in it).
/// </param>
public sealed record SloSpec(string? Ttft = null, string? Tpot = null, string? E2e = null, double? Target = null, bool StopEarly = false,
    string? Itl = null)
{
    /// <summary>Whether any latency objective is given.</summary>
    public bool HasObjectives => Ttft is not null || Tpot is not null || E2e is not null || Itl is not null;
}
