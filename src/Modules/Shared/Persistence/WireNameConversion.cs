using Aibench.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Aibench.Shared.Persistence;

/// <summary>
/// Stores a contract enum as its <see cref="WireNames">wire name</see> (<c>pending</c>, <c>warmup</c>, …): the text
/// these columns held when they were strings, so the enum needs no migration and rows written before it still read.
/// </summary>
public static class WireNameConversion
{
    /// <summary>Converts the property to and from its wire name; queries compare the stored text.</summary>
    public static PropertyBuilder<T> HasWireNames<T>(this PropertyBuilder<T> property) where T : struct, Enum =>
        property.HasConversion(value => value.WireName(), text => WireNames.Parse<T>(text));
}
