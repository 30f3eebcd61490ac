using System.Numerics;

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
        _keys = [.. _building!];
        _building = null;
        _slots = [.. _buildingSlots!];
        _buildingSlots = null;

        // Sorted by key, then by slot among equal keys (rare) so they keep insertion order: Array.Sort is not stable.
        Array.Sort(_keys, _slots);
        for (int i = 0; i < _keys.Length;)
        {
            int end = i + 1;
            while (end < _keys.Length && _keys[end] == _keys[i])
            {
                end++;
            }

            if (end - i > 1)
            {
                Array.Sort(_slots, i, end - i);
            }

            i = end;
        }

        // About one key per run: the top log2(count) bits of the (well-mixed) key hash pick the run.
        int bits = Math.Clamp(BitOperations.Log2((uint)Math.Max(_keys.Length, 1)), 1, 30);
        _shift = 64 - bits;
        _runStarts = new int[(1 << bits) + 1];
        int run = 0;
        for (int i = 0; i < _keys.Length; i++)
        {
            int keyRun = (int)(_keys[i] >> _shift);
            while (run <= keyRun)
            {
                _runStarts[run++] = i;
            }
        }

        while (run < _runStarts.Length)
        {
            _runStarts[run++] = _keys.Length;
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
}
