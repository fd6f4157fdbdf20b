namespace Aibench.Contracts;

/// <summary>One rendered section of a report: its HTML (escaped by its maker) and its Markdown.</summary>
/// <param name="Id">Its anchor, e.g. <c>headline</c>.</param>
/// <param name="Title">Its heading.</param>
/// <param name="Html">The whole section element.</param>
/// <param name="Markdown">Its blocks as Markdown (charts left out).</param>
/// <param name="InSummary">Whether the Markdown summary carries it.</param>
public sealed record ReportPart(string Id, string Title, string Html, string Markdown, bool InSummary);
