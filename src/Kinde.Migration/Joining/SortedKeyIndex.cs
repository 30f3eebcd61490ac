using System.Numerics;
using System.Runtime.InteropServices;

namespace Kinde.Migration.Joining;

/// <summary>
/// A compact multimap from 64-bit key hashes to slot numbers: appended while building, then sorted once. A lookup
/// goes straight to the run of keys that share its top bits (a table of where each run starts), then scans the one
/// or two keys there: a binary search over millions of keys cost ~20 cache misses a lookup. About 16 bytes per entry
/// (12 for key and slot, up to 4 for the table), where a <c>Dictionary</c> needs 28 and doubles as it grows.
/// </summary>
internal sealed class SortedKeyIndex
{
    private List<ulong>? _building = [];
    private List<int>? _buildingSlots = [];
    private ulong[] _keys = [];
    private int[] _slots = [];
    private int[] _runStarts = [0, 0, 0];
    private int _shift = 63;

    public void Add(ulong key, int slot)
    {
        _building!.Add(key);
        _buildingSlots!.Add(slot);
    }

    /// <summary>Ends building: sorts by key (then slot, so equal keys keep insertion order).</summary>
    public void Seal()
    {
        ReadOnlySpan<ulong> building = CollectionsMarshal.AsSpan(_building);
        ReadOnlySpan<int> buildingSlots = CollectionsMarshal.AsSpan(_buildingSlots);

        // About one key per run: the top log2(count) bits of the (well-mixed) key hash pick the run.
        int bits = Math.Clamp(BitOperations.Log2((uint)Math.Max(building.Length, 1)), 1, 30);
        _shift = 64 - bits;
        _runStarts = new int[(1 << bits) + 1];

        // Sorted by run first (a counting sort, one pass to count and one to place), then within each run: a
        // comparison sort of all the keys was a large part of building the index.
        foreach (ulong key in building)
        {
            _runStarts[(int)(key >> _shift) + 1]++;
        }

        for (int run = 1; run < _runStarts.Length; run++)
        {
            _runStarts[run] += _runStarts[run - 1];
        }

        _keys = new ulong[building.Length];
        _slots = new int[building.Length];
        for (int i = 0; i < building.Length; i++)
        {
            // Each run's start moves on as it fills, ending at the next run's start: shifted back below.
            int at = _runStarts[(int)(building[i] >> _shift)]++;
            _keys[at] = building[i];
            _slots[at] = buildingSlots[i];
        }

        _runStarts.AsSpan(0, _runStarts.Length - 1).CopyTo(_runStarts.AsSpan(1));
        _runStarts[0] = 0;
        _building = null;
        _buildingSlots = null;

        for (int run = 0; run < _runStarts.Length - 1; run++)
        {
            int start = _runStarts[run], length = _runStarts[run + 1] - start;
            if (length > 1)
            {
                SortRun(_keys.AsSpan(start, length), _slots.AsSpan(start, length));
            }
        }
    }

    /// <summary>Every group of slots that share one key (rare: duplicates, or two values with one hash).</summary>
    public IEnumerable<int[]> SharedKeys()
    {
        for (int i = 0; i < _keys.Length;)
        {
            int end = i + 1;
            while (end < _keys.Length && _keys[end] == _keys[i])
            {
                end++;
            }

            if (end - i > 1)
            {
                yield return _slots[i..end];
            }

            i = end;
        }
    }

    /// <summary>The slots stored under <paramref name="key"/>, in insertion order.</summary>
    public ReadOnlySpan<int> Find(ulong key)
    {
        int run = (int)(key >> _shift);
        int first = _runStarts[run], end = _runStarts[run + 1];
        while (first < end && _keys[first] < key)
        {
            first++;
        }

        int last = first;
        while (last < end && _keys[last] == key)
        {
            last++;
        }

        return _slots.AsSpan(first, last - first);
    }

    /// <summary>Sorts one run by key, then slot.</summary>
    private static void SortRun(Span<ulong> keys, Span<int> slots)
    {
        if (keys.Length > 16)
        {
            // Only when many keys share their top bits (equal keys, or keys made to collide there).
            keys.Sort(slots);
            for (int i = 0; i < keys.Length;)
            {
                int end = i + 1;
                while (end < keys.Length && keys[end] == keys[i])
                {
                    end++;
                }

                slots[i..end].Sort();
                i = end;
            }

            return;
        }

        for (int i = 1; i < keys.Length; i++)
        {
            ulong key = keys[i];
            int slot = slots[i], j = i - 1;
            for (; j >= 0 && (keys[j] > key || (keys[j] == key && slots[j] > slot)); j--)
            {
                keys[j + 1] = keys[j];
                slots[j + 1] = slots[j];
            }

            keys[j + 1] = key;
            slots[j + 1] = slot;
        }
    }
}
