using Kinde.Migration.Joining;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Joining;

/// <summary>The join's record store: every record reads back exactly, from memory or from the spill file, in any order.</summary>
public class HashRecordStoreTests
{
    [TestCase(long.MaxValue)]
    [TestCase(0L)]
    [TestCase(100_000L)]
    public void Read_ReturnsEachRecordExactly_InOrder_Backwards_AndAtRandom(long inMemoryLimit)
    {
        using var temp = new TempDirectory();
        using var store = new HashRecordStore(inMemoryLimit, temp.Path);
        var random = new Random(7);
        var records = new List<(long Offset, byte[] Bytes)>();
        for (int i = 0; i < 3000; i++)
        {
            // Sizes from tiny to larger than the read-ahead, so reads straddle and outgrow the window.
            byte[] bytes = new byte[i % 500 == 0 ? 70_000 : random.Next(1, 400)];
            random.NextBytes(bytes);
            records.Add((store.Append(bytes), bytes));
        }

        store.Seal();
        Assert.That(store.SpilledToDisk, Is.EqualTo(inMemoryLimit < long.MaxValue));

        IEnumerable<int> inOrder = Enumerable.Range(0, records.Count);
        IEnumerable<int> everyOther = inOrder.Where(i => i % 2 == 0).Concat(inOrder.Where(i => i % 2 == 1));
        IEnumerable<int> shuffled = inOrder.OrderBy(_ => random.Next()).ToList();
        foreach (int i in inOrder.Concat(inOrder.Reverse()).Concat(everyOther).Concat(shuffled))
        {
            var (offset, bytes) = records[i];
            Assert.That(store.Read(offset, bytes.Length).SequenceEqual(bytes), Is.True, $"record {i}");
        }
    }

    [Test]
    public void Append_BeyondTheThreshold_SpillsOnlyTheLaterRecords()
    {
        using var temp = new TempDirectory();
        using var store = new HashRecordStore(200_000, temp.Path);
        var records = new List<(long Offset, byte[] Bytes)>();
        for (int i = 0; i < 2000; i++)
        {
            byte[] bytes = new byte[200];
            new Random(i).NextBytes(bytes);
            records.Add((store.Append(bytes), bytes));
        }

        store.Seal();

        // The first records stay in memory, up to the threshold (less a chunk's unused tail); only the rest is spilled.
        Assert.That(store.SpilledToDisk, Is.True);
        Assert.That(store.SpilledBytes, Is.InRange((2000 * 200) - 200_000, (2000 * 200) - 200_000 + (200 * 8)));
        foreach (var (offset, bytes) in records.AsEnumerable().Reverse())
        {
            Assert.That(store.Read(offset, bytes.Length).SequenceEqual(bytes), Is.True);
        }
    }
}
