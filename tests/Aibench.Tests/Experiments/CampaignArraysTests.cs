using Aibench.Experiments.Campaigns;
using Aibench.Experiments.Persistence;

namespace Aibench.Tests.Experiments;

/// <summary>How a campaign's elements become job arrays, and how long each may wait for its turn.</summary>
public sealed class CampaignArraysTests
{
    private static CampaignCellPreview Cell(int index, int shape, int? minutes = 30) =>
        new(index, $"cell {index}", 1, new Dictionary<string, string>(), minutes, 1, shape, 1) { ReadyTimeoutSeconds = 900 };

    private static List<CampaignElement> Elements(int cells, int repeats) =>
        [.. Enumerable.Range(0, cells * repeats).Select(i => new CampaignElement
            { Id = Guid.NewGuid(), Index = i, Cell = i / repeats, Repeat = i % repeats, Label = $"e{i}", ExperimentId = Guid.NewGuid() })];

    private static CampaignPreview Preview(params CampaignCellPreview[] grid) => new("c", grid.Length, 1, grid.Length, 1, 2, [], grid);

    [Fact]
    public void Each_shape_of_more_than_one_element_is_one_array_in_element_order_and_a_shape_of_one_is_a_job_of_its_own()
    {
        // Cells 0 and 2 share a shape, cell 1 has one of its own; two repeats each, but cell 3 (shape 2) has one element.
        var elements = Elements(3, 2);
        elements.Add(new CampaignElement { Id = Guid.NewGuid(), Index = 6, Cell = 3, Label = "alone", ExperimentId = Guid.NewGuid() });
        CampaignArrays.Assign(elements, Preview(Cell(0, 0), Cell(1, 1), Cell(2, 0), Cell(3, 2)), 2, Guid.NewGuid);

        var shape0 = elements.Where(e => e.Cell is 0 or 2).ToList();
        Assert.Single(shape0.Select(e => e.ArrayId).Distinct());
        Assert.Equal([0, 1, 2, 3], shape0.Select(e => e.ArrayIndex));
        Assert.All(shape0, e => Assert.Equal(4, e.ArraySize));
        var shape1 = Assert.Single(elements.Where(e => e.Cell == 1).Select(e => e.ArrayId).Distinct());
        Assert.NotNull(shape1);
        Assert.NotEqual(shape0[0].ArrayId, shape1);
        Assert.Null(elements.Single(e => e.Cell == 3).ArrayId);
        // Four at throttle 2: one round of 30 minutes ahead at the most, on top of the cell's own 15 minutes.
        Assert.All(shape0, e => Assert.Equal(900 + 1800, e.ReadyTimeoutSeconds));
    }

    [Fact]
    public void A_shape_of_more_than_a_thousand_elements_is_split_into_arrays_of_a_thousand()
    {
        var elements = Elements(1, 1001);
        CampaignArrays.Assign(elements, Preview(Cell(0, 0)), 2, Guid.NewGuid);

        Assert.Equal(1000, elements.Count(e => e.ArraySize == 1000));
        Assert.Null(elements[1000].ArrayId);
        Assert.Equal(999, elements[999].ArrayIndex);
    }

    [Theory]
    [InlineData(900, 4, 4, 30, 900)]
    [InlineData(900, 5, 2, 30, 900 + (2 * 1800))]
    [InlineData(900, 8, 2, null, CampaignArrays.MaxReadyTimeoutSeconds)]
    public void The_ready_timeout_allows_one_time_limit_per_round_of_the_throttle_ahead(int own, int size, int throttle, int? minutes, int expected)
        =>
        Assert.Equal(expected, CampaignArrays.ReadyTimeoutSeconds(own, size, throttle, minutes));
}
