using Aibench.Contracts.Client;
using Aibench.Contracts.Experiments;
using Aibench.Contracts.Monitor;
using Aibench.Contracts.Server;
using Aibench.Experiments;
using Aibench.Experiments.Jobs;
using Aibench.Experiments.Persistence;
using Aibench.Experiments.Planning;
using Microsoft.Extensions.Time.Testing;

namespace Aibench.Tests.Experiments;

/// <summary>
/// Every transition of the experiment state machine, decided by <see cref="ExperimentSteps"/> from the experiment, the
/// facts and the time alone: no host, no service, no waiting (the end-to-end runs are in <see cref="ExperimentWorkflowTests"/>).
/// </summary>
public sealed class ExperimentStepsTests
{
    private static readonly ExperimentsSettings Settings =
        new(2, TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(10), CollectDelay: TimeSpan.FromSeconds(5), CancelGrace: TimeSpan.FromSeconds(30));

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T08:00:00Z"));
    private readonly Guid _instance = Guid.NewGuid();
    private readonly Guid _service = Guid.NewGuid();

    private DateTimeOffset Now => _time.GetUtcNow();

    private Experiment Experiment(ExperimentStage stage, int warmupSeconds = 10, bool keepService = false)
    {
        var e = new Experiment
        {
            Id = Guid.NewGuid(), Name = "x", Recipe = "vllm-sim", Nodes = 2, TestType = "throughput", DurationSeconds = 30, Stage = stage,
            ServiceId = _service, CreatedAt = Now, UpdatedAt = Now, WarmupSeconds = warmupSeconds, ReadyTimeoutSeconds = 600,
                KeepService = keepService,
            Spec = ExperimentWorkflow.ToJson(new BenchmarkSpec(Load: new LoadShape("concurrency", Concurrency: 4), Duration: "30s", Timeout: "1m")),
            Slo = ExperimentWorkflow.ToJson(new ExperimentSlo()),
        };
        e.Stages.Add(new ExperimentStageRecord { ExperimentId = e.Id, Stage = stage, StartedAt = Now });
        return e;
    }

    private ServiceStatusInfo Service(ServiceStatus status, string? reason = null) =>
        new(_service, "vllm-sim", status, reason, "42", Now) { NodeList = "node[1-2]", ExpectedReplicas = 2, Attempt = 2 };

    private BenchmarkResult Run(Guid id, BenchmarkStatus status, string? error = null)
    {
        var overall = new BenchmarkStepResult("4 in flight", 4, null, null, 30, 120, status == BenchmarkStatus.Failed ? 3 : 0, 4, 400, 50, 90, 10,
            300, 500, null);
        return new BenchmarkResult(id, status, error, Now.AddSeconds(-30), status.IsFinished() ? Now : null, status == BenchmarkStatus.Running ? null
            : overall,
            [overall], []);
    }

    private ExperimentStep Next(Experiment e, StepFacts facts) => ExperimentSteps.Next(e, facts, Now, _instance, Settings);

    private static List<ExperimentStage> History(Experiment e) => [.. e.Stages.Select(s => s.Stage)];

    [Fact]
    public void Pending_goes_to_deploying_at_once()
    {
        var e = Experiment(ExperimentStage.Pending);
        Assert.Same(ExperimentStep.Hold, Next(e, new StepFacts(null, null, null)));
        Assert.Equal(ExperimentStage.Deploying, e.Stage);
        Assert.Equal([ExperimentStage.Pending, ExperimentStage.Deploying], History(e));
        Assert.Equal(Now, e.Stages[0].EndedAt);
    }

    [Fact]
    public void Deploying_waits_for_the_server_module_to_have_the_service_then_gives_up_after_the_grace()
    {
        var e = Experiment(ExperimentStage.Deploying);
        Next(e, new StepFacts(null, null, null));
        Assert.Equal((ExperimentStage.Deploying, (string?)null), (e.Stage, e.AbortReason));

        _time.Advance(ExperimentSteps.DeployGrace);
        Next(e, new StepFacts(null, null, null));
        Assert.Contains("never deployed", e.AbortReason);

        var known = Experiment(ExperimentStage.Deploying);
        Next(known, new StepFacts(Service(ServiceStatus.Pending), null, null));
        Assert.Equal((ExperimentStage.Waiting, "waiting for the scheduler"), (known.Stage, known.Reason));
        Assert.Equal("service accepted by the scheduler", known.Stages[0].Note);
    }

    [Theory]
    [InlineData(10, ExperimentStage.Warmup)]
    [InlineData(0, ExperimentStage.Loading)]
    public void A_ready_service_starts_the_warmup_or_without_one_the_load(int warmupSeconds, ExperimentStage next)
    {
        var e = Experiment(ExperimentStage.Waiting, warmupSeconds);
        e.Reason = "queued";
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, null));
        Assert.Equal(next, e.Stage);
        Assert.Null(e.Reason);
        Assert.Equal("ready: 0 replica(s) on node[1-2]", e.Stages[0].Note);
    }

    [Fact]
    public void Waiting_says_why_and_fails_after_the_ready_timeout_or_when_the_service_ends_or_is_gone()
    {
        var e = Experiment(ExperimentStage.Waiting);
        _time.Advance(TimeSpan.FromMinutes(3));
        Next(e, new StepFacts(Service(ServiceStatus.Queued, "Priority"), null, null));
        Assert.Equal("queued for 3 min: Priority (job 42)", e.Reason);
        Assert.Null(e.AbortReason);
        Next(e, new StepFacts(Service(ServiceStatus.Queued, "JobArrayTaskLimit"), null, null));
        Assert.Equal("queued for 3 min: waiting for its turn in its job array (JobArrayTaskLimit: the campaign's throttle) (job 42)", e.Reason);

        _time.Advance(TimeSpan.FromMinutes(8));
        Next(e, new StepFacts(Service(ServiceStatus.Starting), null, null));
        Assert.Equal("not ready after 10 min: starting on node[1-2]: 0 of 2 replica(s) ready", e.AbortReason);

        var failed = Experiment(ExperimentStage.Waiting);
        Next(failed, new StepFacts(Service(ServiceStatus.Failed, "OOM"), null, null));
        Assert.Equal("the service failed (job 42): OOM", failed.AbortReason);

        var gone = Experiment(ExperimentStage.Waiting);
        Next(gone, new StepFacts(null, null, null));
        Assert.Equal($"the Server module has no service {_service}", gone.AbortReason);
    }

    [Fact]
    public void The_warmup_gets_an_id_before_it_is_started_and_the_run_carries_the_service_and_the_experiment()
    {
        var e = Experiment(ExperimentStage.Warmup);
        var start = Assert.IsType<StartRun>(Next(e, new StepFacts(Service(ServiceStatus.Ready), null, null)));

        Assert.Equal(e.WarmupBenchmarkId, start.RunId);
        Assert.Equal((_service, e.Id), (start.Spec.Service, start.Spec.ExperimentId));
        Assert.Equal(_instance, e.LoadStartedBy);
        Assert.Equal("warming up for 10 s", e.Reason);
        Assert.Null(start.ReasonWhenStarted);

        // Asked again with the same id while the Client module has not stored it yet: the same run, not a new one.
        var again = Assert.IsType<StartRun>(Next(e, new StepFacts(Service(ServiceStatus.Ready), null, null)));
        Assert.Equal(start.RunId, again.RunId);
    }

    [Fact]
    public void A_finished_warmup_hands_over_to_the_load_and_one_cut_by_a_restart_counts_as_done_but_a_failed_one_fails()
    {
        var e = Experiment(ExperimentStage.Warmup);
        (e.WarmupBenchmarkId, e.LoadStartedBy) = (Guid.NewGuid(), Guid.NewGuid());
        Next(e, new StepFacts(Service(ServiceStatus.Ready), Run(e.WarmupBenchmarkId.Value, BenchmarkStatus.Failed, "host stopped"), null));
        Assert.Equal(ExperimentStage.Loading, e.Stage);
        Assert.Equal("warm-up failed: 120 request(s) completed, 3 failed", e.Stages[0].Note);

        var mine = Experiment(ExperimentStage.Warmup);
        (mine.WarmupBenchmarkId, mine.LoadStartedBy) = (Guid.NewGuid(), _instance);
        Next(mine, new StepFacts(Service(ServiceStatus.Ready), Run(mine.WarmupBenchmarkId.Value, BenchmarkStatus.Failed, "refused"), null));
        Assert.Equal("the warm-up failed: refused", mine.AbortReason);
    }

    [Fact]
    public void The_load_gets_an_id_and_an_attempt_and_says_it_runs_once_the_client_module_took_it()
    {
        var e = Experiment(ExperimentStage.Loading);
        var start = Assert.IsType<StartRun>(Next(e, new StepFacts(Service(ServiceStatus.Ready), null, null)));
        Assert.Equal((e.BenchmarkId, 1), (start.RunId, e.LoadAttempts));
        Assert.Null(e.Reason);

        ExperimentSteps.RunStarted(e, start, _instance);
        Assert.Equal("load running: concurrency for 30 s", e.Reason);
    }

    [Fact]
    public void A_refused_run_fails_the_experiment_naming_the_service_when_it_ended()
    {
        var e = Experiment(ExperimentStage.Loading);
        ExperimentSteps.RunRefused(e, Service(ServiceStatus.Ready), "not ready");
        Assert.Equal("the load could not start: not ready", e.AbortReason);

        var ended = Experiment(ExperimentStage.Loading);
        ExperimentSteps.RunRefused(ended, Service(ServiceStatus.TimedOut, "TIMEOUT"), "not ready");
        Assert.Equal("the service's job reached its time limit: TIMEOUT", ended.AbortReason);
    }

    [Theory]
    [InlineData(ExperimentStage.Warmup)]
    [InlineData(ExperimentStage.Loading)]
    public void A_service_restart_interrupts_the_stage_cancels_its_run_and_waits_for_the_service_again(ExperimentStage stage)
    {
        var e = Experiment(stage);
        var run = Guid.NewGuid();
        if (stage == ExperimentStage.Warmup) e.WarmupBenchmarkId = run;
        else e.BenchmarkId = run;
        var facts = new StepFacts(Service(ServiceStatus.Restarting, "node3 failed"), stage == ExperimentStage.Warmup
            ? Run(run, BenchmarkStatus.Running) : null,
            stage == ExperimentStage.Loading ? Run(run, BenchmarkStatus.Running) : null);

        var cancel = Assert.IsType<CancelInterruptedRun>(Next(e, facts));

        Assert.Equal((run, stage), (cancel.RunId, cancel.Stage));
        Assert.Equal(ExperimentStage.Waiting, e.Stage);
        Assert.Equal((null, null, 1), (e.WarmupBenchmarkId, e.BenchmarkId, e.ServiceRestarts));
        Assert.Equal("the service is restarting: node3 failed", e.Reason);
        Assert.Equal($"interrupted: the service is restarting (attempt 2): node3 failed; the "
            + $"{(stage == ExperimentStage.Warmup ? "warmup" : "loading")} runs again "
            + "from the start once it is ready (the interrupted run is cancelled, not counted)", e.Stages[0].Note);
    }

    [Fact]
    public void A_service_that_ends_during_the_load_fails_the_experiment()
    {
        var e = Experiment(ExperimentStage.Loading);
        e.BenchmarkId = Guid.NewGuid();
        Assert.Same(ExperimentStep.Hold,
            Next(e, new StepFacts(Service(ServiceStatus.Cancelled), null, Run(e.BenchmarkId.Value, BenchmarkStatus.Running))));
        Assert.Equal("the service was stopped: cancelled during the loading", e.AbortReason);
    }

    [Fact]
    public void A_scheduler_outage_is_said_and_the_load_goes_on_and_the_reason_comes_back_when_it_answers()
    {
        var e = Experiment(ExperimentStage.Loading);
        e.BenchmarkId = Guid.NewGuid();
        var running = Run(e.BenchmarkId.Value, BenchmarkStatus.Running);

        Next(e, new StepFacts(Service(ServiceStatus.Unknown, "slurmctld down"), null, running));
        Assert.Equal("the scheduler does not answer (slurmctld down); the service's job is left running and the loading goes on", e.Reason);
        Assert.Null(e.AbortReason);

        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, running));
        Assert.Equal("load running: concurrency for 30 s", e.Reason);
    }

    [Fact]
    public void A_load_that_does_not_end_in_its_length_plus_timeout_plus_two_minutes_fails()
    {
        var e = Experiment(ExperimentStage.Loading);
        e.BenchmarkId = Guid.NewGuid();
        var running = Run(e.BenchmarkId.Value, BenchmarkStatus.Running);

        _time.Advance(TimeSpan.FromSeconds(30 + 60 + 120));
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, running));
        Assert.Null(e.AbortReason);

        _time.Advance(TimeSpan.FromSeconds(1));
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, running));
        Assert.Equal("the load run did not end within 3 min", e.AbortReason);
    }

    [Fact]
    public void A_load_cut_by_a_host_restart_starts_again_up_to_three_times()
    {
        var e = Experiment(ExperimentStage.Loading);
        (e.BenchmarkId, e.LoadStartedBy, e.LoadAttempts) = (Guid.NewGuid(), Guid.NewGuid(), 1);
        var cut = e.BenchmarkId.Value;

        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, Run(cut, BenchmarkStatus.Failed, "the host stopped")));
        Assert.Equal((ExperimentStage.Loading, (Guid?)null, (string?)null), (e.Stage, e.BenchmarkId, e.AbortReason));
        Assert.Equal("the load run was cut short by a host restart (failed); started again", e.Stages[0].Note);

        (e.BenchmarkId, e.LoadStartedBy, e.LoadAttempts) = (Guid.NewGuid(), Guid.NewGuid(), ExperimentSteps.MaxLoadAttempts);
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, Run(e.BenchmarkId.Value, BenchmarkStatus.Failed)));
        Assert.Equal("the load was cut short by a host restart 3 times", e.AbortReason);
    }

    [Fact]
    public void A_finished_load_is_judged_and_collected_and_a_failed_one_fails_with_what_it_measured()
    {
        var e = Experiment(ExperimentStage.Loading);
        (e.BenchmarkId, e.LoadStartedBy) = (Guid.NewGuid(), _instance);
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, Run(e.BenchmarkId.Value, BenchmarkStatus.Completed)));
        Assert.Equal(ExperimentStage.Collecting, e.Stage);
        Assert.Equal("load completed: 120 request(s) completed, 0 failed", e.Stages[0].Note);
        Assert.Equal(BenchmarkStatus.Completed, ExperimentWorkflow.FromJson<ExperimentResult>(e.Result!).BenchmarkStatus);

        var failed = Experiment(ExperimentStage.Loading);
        (failed.BenchmarkId, failed.LoadStartedBy) = (Guid.NewGuid(), _instance);
        Next(failed, new StepFacts(Service(ServiceStatus.Ready), null, Run(failed.BenchmarkId.Value, BenchmarkStatus.Failed, "connection refused")));
        Assert.Equal("the load failed: connection refused", failed.AbortReason);
        Assert.True(ExperimentWorkflow.FromJson<ExperimentResult>(failed.Result!).Partial);
    }

    [Fact]
    public void Collecting_waits_the_collect_delay_and_for_the_closing_scrape_then_stops()
    {
        var e = Experiment(ExperimentStage.Collecting);
        e.BenchmarkId = Guid.NewGuid();
        var load = Run(e.BenchmarkId.Value, BenchmarkStatus.Completed);
        var open = new ServerLatencies(null, null, 1, null, null, null, null, null, Exported: true, Closed: false);

        Assert.False(ExperimentSteps.WantsLatencies(e, load, Now, Settings));
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, load));
        Assert.Equal(ExperimentStage.Collecting, e.Stage);

        _time.Advance(Settings.CollectDelay);
        Assert.True(ExperimentSteps.WantsLatencies(e, load, Now, Settings));
        Assert.False(ExperimentSteps.WantsLatencies(e, load with { FinishedAt = null }, Now, Settings));
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, load, open));
        Assert.Equal((ExperimentStage.Collecting, "waiting for the metrics scrape after the load"), (e.Stage, e.Reason));

        _time.Advance(ExperimentSteps.ClosingScrapeWait);
        Next(e, new StepFacts(Service(ServiceStatus.Ready), null, load, open));
        Assert.Equal((ExperimentStage.Stopping, (string?)null), (e.Stage, e.Reason));
        Assert.NotNull(e.Result);
    }

    [Fact]
    public void Stopping_asks_for_the_service_to_stop_unless_it_is_kept_then_summarises_and_completes()
    {
        var e = Experiment(ExperimentStage.Stopping);
        Assert.Equal(new StopService(_service), Next(e, new StepFacts(Service(ServiceStatus.Ready), null, null)));
        Assert.Equal(ExperimentStage.Stopping, e.Stage);
        ExperimentSteps.ServiceNotStopped(e, "slurmctld down");
        Assert.Equal("stopping the service: slurmctld down", e.Reason);

        ExperimentSteps.ServiceStopped(e, Now);
        Assert.Equal((ExperimentStage.Summarising, "service stopped"), (e.Stage, e.Stages[0].Note));

        Next(e, new StepFacts(null, null, null));
        Assert.Equal((ExperimentStage.Completed, ExperimentStatus.Completed, "completed", Now), (e.Stage, e.Status, e.Reason, e.FinishedAt));
        Assert.All(e.Stages, s => Assert.NotNull(s.EndedAt));

        var kept = Experiment(ExperimentStage.Stopping, keepService: true);
        Assert.Same(ExperimentStep.Hold, Next(kept, new StepFacts(Service(ServiceStatus.Ready), null, null)));
        Assert.Equal((ExperimentStage.Summarising, "service kept running on request"), (kept.Stage, kept.Stages[0].Note));
    }

    [Fact]
    public void A_cancel_stops_the_runs_and_the_service_waits_the_grace_for_the_results_and_ends_cancelled()
    {
        var e = Experiment(ExperimentStage.Loading, keepService: true);
        (e.WarmupBenchmarkId, e.BenchmarkId, e.CancelRequested) = (Guid.NewGuid(), Guid.NewGuid(), true);
        var running = Run(e.BenchmarkId.Value, BenchmarkStatus.Running);

        var down = Assert.IsType<WindDown>(Next(e,
            new StepFacts(Service(ServiceStatus.Ready), Run(e.WarmupBenchmarkId.Value, BenchmarkStatus.Completed), running)));

        // A cancel stops even a service kept on request; the finished warm-up is left alone.
        Assert.Equal([e.BenchmarkId.Value], down.RunsToCancel);
        Assert.Equal(_service, down.ServiceToStop);
        Assert.Equal((ExperimentStage.Stopping, "cancelling: stopping the load and the service"), (e.Stage, e.Reason));
        Assert.Equal("cancel requested", e.Stages[0].Note);

        ExperimentSteps.WoundDown(e, running, Now, Settings);
        Assert.Equal(ExperimentStatus.Running, e.Status);

        _time.Advance(TimeSpan.FromSeconds(5));
        ExperimentSteps.WoundDown(e, Run(e.BenchmarkId.Value, BenchmarkStatus.Partial), Now, Settings);
        Assert.Equal((ExperimentStage.Cancelled, ExperimentStatus.Cancelled), (e.Stage, e.Status));
        Assert.Equal("cancelled on request during loading; what was measured is kept", e.Reason);
        Assert.True(ExperimentWorkflow.FromJson<ExperimentResult>(e.Result!).Partial);
        Assert.Equal([ExperimentStage.Loading, ExperimentStage.Stopping, ExperimentStage.Cancelled], History(e));
    }

    [Fact]
    public void A_run_that_never_writes_its_results_is_given_up_after_the_cancel_grace()
    {
        var e = Experiment(ExperimentStage.Loading);
        (e.BenchmarkId, e.CancelRequested) = (Guid.NewGuid(), true);
        Next(e, new StepFacts(null, null, Run(e.BenchmarkId.Value, BenchmarkStatus.Running)));

        _time.Advance(Settings.CancelGrace);
        ExperimentSteps.WoundDown(e, Run(e.BenchmarkId.Value, BenchmarkStatus.Running), Now, Settings);
        Assert.Equal((ExperimentStatus.Cancelled, "cancelled on request during loading"), (e.Status, e.Reason));
        Assert.Null(e.Result);
    }

    [Fact]
    public void A_failure_winds_down_keeping_a_kept_service_up_and_ends_failed_with_its_reason()
    {
        var e = Experiment(ExperimentStage.Waiting, keepService: true);
        Next(e, new StepFacts(Service(ServiceStatus.Failed, "OOM"), null, null));
        Assert.Equal(ExperimentStage.Waiting, e.Stage);

        var down = Assert.IsType<WindDown>(Next(e, new StepFacts(Service(ServiceStatus.Ready), null, null)));
        Assert.Equal((0, (Guid?)null), (down.RunsToCancel.Count, down.ServiceToStop));
        Assert.Equal("stopping: the service failed (job 42): OOM", e.Reason);

        ExperimentSteps.WoundDown(e, null, Now, Settings);
        Assert.Equal((ExperimentStage.Failed, ExperimentStatus.Failed, "the service failed (job 42): OOM"), (e.Stage, e.Status, e.Reason));
    }

    [Fact]
    public void An_ended_service_is_not_stopped_again()
    {
        var e = Experiment(ExperimentStage.Loading);
        e.CancelRequested = true;
        Assert.Null(Assert.IsType<WindDown>(Next(e, new StepFacts(Service(ServiceStatus.Cancelled), null, null))).ServiceToStop);

        var stopping = Experiment(ExperimentStage.Stopping);
        Assert.Same(ExperimentStep.Hold, Next(stopping, new StepFacts(Service(ServiceStatus.Completed), null, null)));
        Assert.Equal(ExperimentStage.Summarising, stopping.Stage);
    }
}
