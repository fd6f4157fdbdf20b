using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Aibench.Shared.Components;

/// <summary>
/// A piece of UI one module offers to the pages of others under a well-known name (see <see cref="UiSlots"/>):
/// the page renders whatever component is registered, without referencing the module that owns it.
/// </summary>
/// <param name="Name">The slot, e.g. <see cref="UiSlots.LiveLogs"/>.</param>
/// <param name="Component">The component rendered there; it takes the parameters the slot's name documents.</param>
public sealed record UiSlot(string Name, Type Component);

/// <summary>The slots pages may render, each with the parameters its component must accept.</summary>
public static class UiSlots
{
    /// <summary>
    /// Live log lines of an experiment. Parameters: <c>Experiment</c> (<see cref="Guid"/>?), <c>Service</c>
    /// (<see cref="Guid"/>?) and <c>Task</c> (<see cref="int"/>?, one replica; null for all). Each line carries
    /// <c>data-testid="log-line"</c>.
    /// </summary>
    public const string LiveLogs = "logs.live";

    /// <summary>
    /// The service's own charts for an experiment (requests running and waiting, KV cache and GPU use), as the module
    /// that scrapes it knows its metric names. Parameters: <c>Experiment</c> (<see cref="Guid"/>), <c>From</c>
    /// (<see cref="DateTimeOffset"/>, the experiment's start), <c>To</c> (<see cref="DateTimeOffset"/>?, its end; null
    /// while it runs), <c>Refresh</c> (<see cref="int"/>: each new value reads the series again) and
    /// <c>LatencyRead</c> (<c>EventCallback&lt;IReadOnlyList&lt;TimeLine&gt;&gt;</c>: told the service's latency
    /// percentiles in ms after each read, for the page to lay beside its own latency lines). The panel carries
    /// <c>data-testid="chart-server-metrics"</c>.
    /// </summary>
    public const string ServiceCharts = "monitor.service-charts";

    /// <summary>Offers <typeparamref name="TComponent"/> for the slot <paramref name="name"/>; the last registration wins.</summary>
    public static IServiceCollection AddUiSlot<TComponent>(this IServiceCollection services, string name)
        where TComponent : IComponent =>
        services.AddSingleton(new UiSlot(name, typeof(TComponent)));

    /// <summary>The component registered for <paramref name="name"/>, or null when no module offers it.</summary>
    public static Type? Find(this IEnumerable<UiSlot> slots, string name) => slots.LastOrDefault(s => s.Name == name)?.Component;
}
