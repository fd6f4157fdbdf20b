using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Aibench.Shared.Reports;

/// <summary>How every module's report endpoint answers.</summary>
public static class ReportResults
{
    /// <summary>
    /// Inline, not as an attachment: a link opens the report in the browser, whose Save keeps it as one file; the
    /// dashboard's Download links name the file themselves, and the CLI writes where it is told.
    /// </summary>
    public static FileContentHttpResult Inline(ReportFile file) => TypedResults.File(file.Content, file.ContentType);
}
