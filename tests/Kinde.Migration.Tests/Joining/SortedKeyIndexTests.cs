using Kinde.Migration.Joining;

namespace Kinde.Migration.Tests.Joining;

/// <summary>The join's key index: every lookup finds exactly the slots added under that key, in insertion order.</summary>
public class SortedKeyIndexTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(5000)]
    public void Find_ReturnsTheSlotsOfTheKey_InInsertionOrder(int count)
    {
        var random = new Random(count);
        var index = new SortedKeyIndex();
        var expected = new Dictionary<ulong, List<int>>();
        ulong[] edges = [0, 1, ulong.MaxValue, ulong.MaxValue - 1, 1UL << 63, (1UL << 63) - 1];
        for (int slot = 0; slot < count; slot++)
        {
            // Edge values, keys that repeat, and keys that share their top bits but differ below.
            ulong key = (slot % 5) switch
            {
                0 => edges[slot / 5 % edges.Length],
                1 => (ulong)random.NextInt64() & ~0xFFFFUL,
                2 when slot > 10 => expected.Keys.ElementAt(random.Next(expected.Count)),
                _ => (ulong)random.NextInt64() * 2 + 1,
            };
            index.Add(key, slot);
            (expected.TryGetValue(key, out var slots) ? slots : expected[key] = []).Add(slot);
        }

        index.Seal();

        foreach (var (key, slots) in expected)
        {
            Assert.That(index.Find(key).ToArray(), Is.EqualTo(slots), $"key {key:X16}");
            Assert.That(index.Find(key ^ 0x10).ToArray(), Is.EqualTo(expected.GetValueOrDefault(key ^ 0x10) ?? []), $"key {key ^ 0x10:X16}");
        }

        Assert.That(index.Find(0x0123456789ABCDEF).ToArray(), Is.EqualTo(expected.GetValueOrDefault(0x0123456789ABCDEFUL) ?? []));
        Assert.That(index.SharedKeys().Select(s => s.Length).Sum(), Is.EqualTo(expected.Values.Where(s => s.Count > 1).Sum(s => s.Count)));
    }
}
