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

    [TestCase(3, 1000)]
    [TestCase(4, 40)]
    [TestCase(5, 3000)]
    public void Seal_OrdersAsSortingByKeyThenSlot_WhateverOrderTheSlotsCameIn(int seed, int count)
    {
        // Slots added out of order, many keys crowded into a few runs (more than the insertion sort takes), repeats.
        var random = new Random(seed);
        var index = new SortedKeyIndex();
        var added = new List<(ulong Key, int Slot)>();
        int[] slots = [.. Enumerable.Range(0, count).OrderBy(_ => random.Next())];
        foreach (int slot in slots)
        {
            ulong key = random.Next(4) switch
            {
                0 => (ulong)(uint)random.Next(8) << 60,
                1 => ((ulong)(uint)random.Next(3) << 62) | (uint)random.Next(50),
                2 when added.Count > 0 => added[random.Next(added.Count)].Key,
                _ => (ulong)random.NextInt64() * 2,
            };
            index.Add(key, slot);
            added.Add((key, slot));
        }

        index.Seal();

        var sorted = added.OrderBy(a => a.Key).ThenBy(a => a.Slot).ToList();
        foreach (var group in sorted.GroupBy(a => a.Key))
        {
            Assert.That(index.Find(group.Key).ToArray(), Is.EqualTo(group.Select(a => a.Slot).ToArray()), $"key {group.Key:X16}");
        }

        Assert.That(
            index.SharedKeys().SelectMany(s => s).ToArray(),
            Is.EqualTo(sorted.GroupBy(a => a.Key).Where(g => g.Count() > 1).SelectMany(g => g.Select(a => a.Slot)).ToArray()));
    }
}
