using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace Aibench.Tests.Infrastructure;

/// <summary>Finding MudBlazor fields in a rendered page by their data-testid.</summary>
internal static class MudFields
{
    /// <summary>The input of a Mud field, wherever MudBlazor puts the field's attributes.</summary>
    public static IElement Input<T>(IRenderedComponent<T> cut, string testId) where T : IComponent
    {
        var element = cut.Find($"[data-testid={testId}]");
        return element.TagName is "INPUT" or "TEXTAREA" ? element : element.QuerySelector("input, textarea")!;
    }
}
