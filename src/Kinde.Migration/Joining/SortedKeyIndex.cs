namespace Kinde.Migration.Joining;

/// <summary>
/// A compact multimap from 64-bit key hashes to slot numbers: appended while building, then sorted once and
/// searched by binary search. About 12 bytes per entry, where a <c>Dictionary</c> needs 28 and doubles as it grows.
/// </summary>
internal sealed class SortedKeyIndex
{
    private List<ulong>? _building = [];
    private List<int>? _buildingSlots = [];
    private ulong[] _keys = [];
    private int[] _slots = [];

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

        // Sorting by (key, slot) as one 64+32-bit pair: keys first, insertion order among equal keys.
        var pairs = new (ulong Key, int Slot)[_keys.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            pairs[i] = (_keys[i], _slots[i]);
        }

        Array.Sort(pairs);
        for (int i = 0; i < pairs.Length; i++)
        {
            (_keys[i], _slots[i]) = pairs[i];
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
        int index = Array.BinarySearch(_keys, key);
        if (index < 0)
        {
            return [];
        }

        int first = index, last = index;
        while (first > 0 && _keys[first - 1] == key)
        {
            first--;
        }

        while (last < _keys.Length - 1 && _keys[last + 1] == key)
        {
            last++;
        }

        return _slots.AsSpan(first, last - first + 1);
    }
}
