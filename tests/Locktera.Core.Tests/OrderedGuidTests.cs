namespace Locktera.Core.Tests;

public class OrderedGuidTests
{
    [Fact]
    public void Ids_made_in_one_millisecond_sort_in_the_order_they_were_made_as_values_and_as_text()
    {
        var ids = Enumerable.Range(0, 20_000).Select(_ => OrderedGuid.Next()).ToList();
        Assert.Equal(ids, ids.Order());
        Assert.Equal(ids.Select(i => i.ToString()), ids.Select(i => i.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
    }

    [Fact]
    public async Task Ids_made_on_many_threads_at_once_are_all_different()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 5000).Select(_ => OrderedGuid.Next()).ToList())));
        Assert.Equal(40_000, ids.SelectMany(i => i).Distinct().Count());
    }
}
