using System.Runtime.InteropServices;

namespace Kinde.Migration.Joining;

/// <summary>
/// The join's index from a key (its two independent 64-bit hashes, <see cref="HashedKey"/>) to slot numbers: appended
/// while building, then laid out once as an open-addressing table with linear probing. A lookup reads the one entry
/// the key's hash points at and, rarely, the next few: both hashes and the slot sit in that entry, so a lookup costs
/// about one cache miss (a sorted array with a table of run starts cost three: the start, the key, the slot).
/// </summary>
/// <remarks>About 27 bytes per key once sealed (20-byte entries, at most 3/4 full), where a <c>Dictionary</c> needs
/// more; while building, 20 bytes a key in lists that grow by doubling. Equal keys come back in the order they were
/// added: probing places a later one after an earlier one.</remarks>
internal sealed class KeyTable
{
    private const int Empty = 0;

    /// <summary>Several keys matched, where <see cref="Find"/> was asked for the only one.</summary>
    public const int Several = -2;

    // Keys are kept, while building, in 256 lists by their top 8 bits: a key's place in the table grows with those
    // bits, so laying the lists out one after another fills the table one small region at a time, in the cache. Filled
    // in the order the keys came (one random place in a large table per key), laying out cost ten times more.
    private const int PartitionBits = 8;
    private List<Entry>?[]? _partitions = new List<Entry>?[1 << PartitionBits];
    private int _added;
    private Entry[] _entries = new Entry[1];

    public int Count { get; private set; }

    /// <summary>Adds <paramref name="key"/> for <paramref name="slot"/> (slots added in increasing order).</summary>
    public void Add(HashedKey key, int slot)
    {
        (_partitions![key.Key >> (64 - PartitionBits)] ??= []).Add(new Entry(key.Key, key.Check, slot + 1));
        _added++;
    }

    /// <summary>Ends building.</summary>
    /// <param name="keepFirstOnly">Drops a key equal (both hashes) to one added before it, and reports its slot to
    /// <paramref name="dropped"/>: the first record of a user id is the one used.</param>
    /// <param name="dropped">Receives each dropped slot.</param>
    public void Seal(bool keepFirstOnly = false, Action<int>? dropped = null)
    {
        // At most 3/4 full: linear probing's chains stay a few entries long.
        _entries = new Entry[Math.Max(4, _added + (_added / 3) + 1)];
        for (int partition = 0; partition < _partitions!.Length; partition++)
        {
            // Equal keys share a partition, in the order they were added: the first one stays first.
            foreach (Entry entry in _partitions[partition] ?? [])
            {
                Insert(entry, keepFirstOnly, dropped);
            }

            _partitions[partition] = null;
        }

        _partitions = null;
    }

    /// <summary>The first slot added under <paramref name="key"/>, or -1; with <paramref name="only"/>,
    /// <see cref="Several"/> when more than one was.</summary>
    /// <param name="key">The key.</param>
    /// <param name="only">Whether a second slot under the key makes the answer <see cref="Several"/>.</param>
    /// <param name="ignore">Slots to pass over (asked only of slots under the key).</param>
    public int Find(HashedKey key, bool only = false, Func<int, bool>? ignore = null)
    {
        int found = -1;
        for (int at = Home(key.Key); _entries[at].SlotPlusOne != Empty; at = Next(at))
        {
            ref readonly Entry entry = ref _entries[at];
            if (entry.Key == key.Key && entry.Check == key.Check && ignore?.Invoke(entry.SlotPlusOne - 1) != true)
            {
                if (!only)
                {
                    return entry.SlotPlusOne - 1;
                }

                if (found >= 0)
                {
                    return Several;
                }

                found = entry.SlotPlusOne - 1;
            }
        }

        return found;
    }

    private void Insert(Entry entry, bool keepFirstOnly, Action<int>? dropped)
    {
        int at = Home(entry.Key);
        while (_entries[at].SlotPlusOne != Empty)
        {
            if (keepFirstOnly && _entries[at].Key == entry.Key && _entries[at].Check == entry.Check)
            {
                dropped?.Invoke(entry.SlotPlusOne - 1);
                return;
            }

            at = Next(at);
        }

        _entries[at] = entry;
        Count++;
    }

    // The key's top 32 bits scaled to the table's length (multiply and shift, no division).
    private int Home(ulong key) => (int)(((key >> 32) * (ulong)_entries.Length) >> 32);

    private int Next(int at) => at + 1 == _entries.Length ? 0 : at + 1;

    // 20 bytes, not 24: a slot number beside two 64-bit hashes.
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private readonly record struct Entry(ulong Key, ulong Check, int SlotPlusOne);
}
