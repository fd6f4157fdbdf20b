using Aibench.Experiments.Features;
using Aibench.Shared.Components;
using Bunit;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Aibench.Tests.Infrastructure;

/// <summary>
/// The bUnit set-up every page test shares: MudBlazor with its JavaScript calls answered loosely (charts, popovers and
/// focus calls have no browser here), and <see cref="UseHost"/> for what pages take from a running host.
/// </summary>
public abstract class PageTest : BunitContext
{
    protected PageTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    /// <summary>
    /// What pages need from <paramref name="host"/>: its mediator and clock, the experiments feed, and the UI slots the
    /// modules offer, so that a slot renders the real registered component (ADR 0008).
    /// </summary>
    protected void UseHost(IServiceProvider host)
    {
        Services.AddSingleton(host.GetRequiredService<ISender>());
        Services.AddSingleton(host.GetRequiredService<TimeProvider>());
        if (host.GetService<ExperimentFeed>() is { } feed)
        {
            Services.AddSingleton(feed);
        }

        foreach (var slot in host.GetServices<UiSlot>())
        {
            Services.AddSingleton(slot);
        }
    }
}
