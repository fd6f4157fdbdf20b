using Aibench.Shared.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Aibench.Client.Persistence;

internal static class BenchmarkStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Partial = "partial";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string status) => status is Completed or Partial or Failed or Cancelled;
}
