using Aibench.Client.LoadGen;
using Aibench.Contracts.Client;

namespace Aibench.Tests.Client;

public sealed class BenchmarkSpecValidatorTests
{
    private static readonly string[] Url = ["http://node1:8000"];

    private static string[] Fields(BenchmarkSpec spec) =>
        [.. new BenchmarkSpecValidator().Validate(spec).Errors.Select(e => e.PropertyName).Distinct()];

    [Fact]
    public void A_plain_concurrency_run_is_valid()
    {
        Assert.Empty(Fields(new BenchmarkSpec(Urls: Url, MaxRequests: 10)));
        Assert.Empty(Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape("concurrency", Concurrency: 8), Duration: "2m", Warmup: "10s")));
    }

    [Theory]
    [InlineData("ramp", "load.from")]
    [InlineData("sweep", "load.rates")]
    [InlineData("rate", "load.rate")]
    public void Each_shape_asks_for_its_own_fields(string kind, string field) =>
        Assert.Contains(field, Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape(kind), Duration: "1m")));

    [Fact]
    public void A_ramp_or_sweep_without_duration_is_refused_even_with_a_request_cap()
    {
        Assert.Contains("duration", Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape("ramp", From: 1, To: 5), MaxRequests: 10)));
        Assert.Contains("duration", Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape("sweep", Rates: [1, 2]), MaxRequests: 10)));
    }

    [Fact]
    public void A_sweep_takes_rates_or_concurrencies_not_both()
    {
        var both = new BenchmarkSpec(Urls: Url, Load: new LoadShape("sweep", Rates: [1], Concurrencies: [2]), Duration: "10s");
        var empty = new BenchmarkSpec(Urls: Url, Load: new LoadShape("sweep", Rates: []), Duration: "10s");
        Assert.Contains("load.rates", Fields(both));
        Assert.Contains("load.rates", Fields(empty));
    }

    [Fact]
    public void An_in_flight_cap_applies_to_open_loops_only()
    {
        Assert.Contains("load.maxInFlight",
            Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape("concurrency", Concurrency: 2, MaxInFlight: 4), MaxRequests: 5)));
        Assert.Empty(Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape("rate", Rate: 5, MaxInFlight: 4), MaxRequests: 5)));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(2_000_000)]
    public void Rates_must_be_positive_finite_and_sane(double rate) =>
        Assert.Contains("load.rate", Fields(new BenchmarkSpec(Urls: Url, Load: new LoadShape("rate", Rate: rate), Duration: "1m")));

    [Fact]
    public void Latency_objectives_on_first_tokens_need_streaming()
    {
        Assert.Contains("slo", Fields(new BenchmarkSpec(Urls: Url, Stream: false, MaxRequests: 5, Slo: new SloSpec(Ttft: "1s"))));
        Assert.Empty(Fields(new BenchmarkSpec(Urls: Url, Stream: false, MaxRequests: 5, Slo: new SloSpec(E2e: "1s"))));
    }

    [Theory]
    [InlineData("http://node1:8000", "http://node1:8000/")]
    [InlineData("http://node1:8000/", "http://node1:8000/")]
    [InlineData("http://node1:8000/v1", "http://node1:8000/")]
    [InlineData("https://gateway.example/llm/v1/", "https://gateway.example/llm/")]
    public void Endpoints_are_base_urls_with_or_without_v1(string given, string expected)
    {
        Assert.True(BenchmarkSpecValidator.TryEndpoint(given, out var endpoint));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Theory]
    [InlineData("node1:8000")]
    [InlineData("ftp://node1")]
    [InlineData("http://user:pw@node1:8000")]
    [InlineData("http://node1:8000/?q=1")]
    [InlineData("")]
    public void Other_urls_are_refused(string given) => Assert.False(BenchmarkSpecValidator.TryEndpoint(given, out _));
}
