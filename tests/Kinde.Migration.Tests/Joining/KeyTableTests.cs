using Kinde.Migration.Joining;

namespace Kinde.Migration.Tests.Joining;

/// <summary>The join's key table: every lookup finds exactly the slots added under that key (both hashes), first
/// added first; duplicates are dropped when asked, and skipped slots are never found.</summary>
public class KeyTableTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(5000)]
    [TestCase(140_000)] // more than two building chunks
    public void Find_ReturnsTheFirstSlotOfTheKey_OrSeveral(int count)
    {
        var random = new Random(count);
        var table = new KeyTable();
        var expected = new Dictionary<HashedKey, List<int>>();
        ulong[] edges = [0, 1, ulong.MaxValue, ulong.MaxValue - 1, 1UL << 63, (1UL << 63) - 1];
        for (int slot = 0; slot < count; slot++)
        {
            // Edge values, keys that repeat, keys that share their top bits (one home) but differ below, and keys
            // that share the first hash but not the second.
            HashedKey key = (slot % 6) switch
            {
                0 => new(edges[slot / 6 % edges.Length], (ulong)slot),
                1 => new((ulong)random.NextInt64() & ~0xFFFFUL, 7),
                2 when slot > 10 => expected.Keys.ElementAt(random.Next(expected.Count)),
                3 when slot > 10 => expected.Keys.ElementAt(random.Next(expected.Count)) with { Check = (ulong)random.NextInt64() },
                4 => new(0xABCD_0000_0000_0000UL | (uint)random.Next(64), 1),
                _ => new((ulong)random.NextInt64() * 2 + 1, (ulong)random.NextInt64()),
            };
            table.Add(key, slot);
            (expected.TryGetValue(key, out var slots) ? slots : expected[key] = []).Add(slot);
        }

        table.Seal();

        Assert.That(table.Count, Is.EqualTo(count));
        foreach (var (key, slots) in expected)
        {
            Assert.That(table.Find(key), Is.EqualTo(slots[0]), $"key {key}");
            Assert.That(table.Find(key, only: true), Is.EqualTo(slots.Count > 1 ? KeyTable.Several : slots[0]), $"key {key}");
            HashedKey other = key with { Check = key.Check ^ 0x10 };
            Assert.That(table.Find(other), Is.EqualTo(expected.TryGetValue(other, out var otherSlots) ? otherSlots[0] : -1), $"key {other}");
        }

        Assert.That(table.Find(new HashedKey(0x0123456789ABCDEF, 42)), Is.EqualTo(-1));
    }

    [Test]
    public void Seal_KeepFirstOnly_DropsEveryLaterEqualKey_AndFindPassesOverIgnoredSlots()
    {
        var table = new KeyTable();
        HashedKey a = new(5, 6), b = new(5, 7), c = new(9, 6);
        HashedKey[] keys = [a, b, a, c, a, b, c];
        for (int slot = 0; slot < keys.Length; slot++)
        {
            table.Add(keys[slot], slot);
        }

        var dropped = new List<int>();
        table.Seal(keepFirstOnly: true, dropped: dropped.Add);

        Assert.That(dropped, Is.EqualTo(new[] { 2, 4, 5, 6 }));
        Assert.That(table.Count, Is.EqualTo(3));
        Assert.That(table.Find(a, only: true), Is.EqualTo(0));
        Assert.That(table.Find(b, only: true), Is.EqualTo(1));
        Assert.That(table.Find(c, only: true), Is.EqualTo(3));
        Assert.That(table.Find(c, only: true, ignore: slot => slot == 3), Is.EqualTo(-1));

        var shared = new KeyTable();
        shared.Add(a, 0);
        shared.Add(a, 1);
        shared.Add(a, 2);
        shared.Seal();
        Assert.That(shared.Find(a, only: true), Is.EqualTo(KeyTable.Several));
        Assert.That(shared.Find(a, only: true, ignore: slot => slot != 1), Is.EqualTo(1));
        Assert.That(shared.Find(a, ignore: slot => slot == 0), Is.EqualTo(1));
    }

    [Test]
    public void Find_OnATableNeverFilled_FindsNothing()
    {
        var sealedEmpty = new KeyTable();
        sealedEmpty.Seal();
        Assert.That(sealedEmpty.Find(new HashedKey(1, 2)), Is.EqualTo(-1));
        Assert.That(new KeyTable().Find(new HashedKey(1, 2)), Is.EqualTo(-1));
    }
}
