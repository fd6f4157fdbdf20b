using Aibench.Client.Pages;
using Aibench.Contracts.Client;

namespace Aibench.Tests.Client;

/// <summary>The benchmark form's rules without a page: what it fills from a spec, the message it builds, what it refuses.</summary>
public sealed class BenchmarkSpecFormTests
{
    [Fact]
    public void A_spec_run_again_comes_back_out_as_it_went_in()
    {
        var spec = new BenchmarkSpec(
            Name: "again", Urls: ["http://a:8000", "http://b:8000"], Model: "m", Api: "chat", Stream: false,
            Load: new LoadShape("ramp", From: 2, To: 8, Arrival: "gamma", Burstiness: 0.5, MaxInFlight: 32),
            Duration: "2m", MaxRequests: 500, Warmup: "10s", Dataset: "random:input=8,output=8", Slo: new SloSpec("500ms", null, "10s"),
            Seed: 7, Timeout: "1m", IgnoreEos: false, ExperimentId: Guid.NewGuid());
        var form = new BenchmarkSpecForm();
        form.Fill(spec);

        var built = form.Build().Spec;

        Assert.Empty(form.Errors);
        Assert.Equal(spec with { Urls = null, Load = null }, built with { Urls = null, Load = null });
        Assert.Equal(spec.Urls, built.Urls);
        Assert.Equal(spec.Load, built.Load);
    }

    [Fact]
    public void Only_the_fields_of_the_chosen_shape_are_sent()
    {
        var form = new BenchmarkSpecForm { Kind = "rate", Rate = 3, Concurrency = 9, From = 1, To = 10, MaxInFlight = 4, Burstiness = 0.3 };

        var load = form.Build().Spec.Load!;

        Assert.Equal(new LoadShape("rate", Rate: 3, Arrival: "poisson", MaxInFlight: 4), load);
        form.Kind = "concurrency";
        Assert.Equal(new LoadShape("concurrency", Concurrency: 9, Arrival: "poisson"), form.Build().Spec.Load);
    }

    [Fact]
    public void A_sweep_sends_its_list_and_refuses_what_is_not_a_number()
    {
        var form = new BenchmarkSpecForm { Kind = "sweep", SweepOver = "concurrencies", Sweep = "1; 4 16" };
        Assert.Equal([1, 4, 16], form.Build().Spec.Load!.Concurrencies!);
        Assert.Empty(form.Errors);

        form.SweepOver = "rates";
        form.Sweep = "1, fast";
        form.Build();

        Assert.Equal(["load.rates"], form.Errors.Keys);
        Assert.True(form.OpenLoop);
        Assert.Equal("load.rates", form.SweepField);
    }

    [Fact]
    public void A_service_target_needs_a_guid_and_sends_no_urls()
    {
        var form = new BenchmarkSpecForm { Target = "service", Service = "not-an-id", Urls = "http://a:8000" };

        var spec = form.Build().Spec;

        Assert.Null(spec.Urls);
        Assert.Equal("service must be a service id (a GUID).", form.Message("service"));
        var id = Guid.NewGuid();
        form.ClearErrors();
        form.Service = $" {id} ";
        Assert.Equal(id, form.Build().Spec.Service);
        Assert.Empty(form.Errors);
    }

    [Fact]
    public void Blank_slos_send_none_and_blank_text_is_null()
    {
        var spec = new BenchmarkSpecForm { SloTtft = " ", Name = "  ", Dataset = " " }.Build().Spec;

        Assert.Null(spec.Slo);
        Assert.Null(spec.Name);
        Assert.Equal("", spec.Dataset);
    }

    [Fact]
    public void Server_failures_go_on_their_fields_and_with_none_the_message_is_general()
    {
        var form = new BenchmarkSpecForm();
        form.Show([("urls", "None given."), ("urls", "One malformed.")], "ignored");
        Assert.Equal("None given. One malformed.", form.Message("urls"));
        Assert.Null(form.General);

        form.ClearErrors();
        form.Show([], "The service is not ready.");
        Assert.Equal("The service is not ready.", form.General);
    }
}
