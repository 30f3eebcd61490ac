namespace Kinde.Migration.Target.Files.Internal;

/// <summary>The warnings of one user: each key at most once.</summary>
internal sealed class WarningSet
{
    private readonly List<string> _keys = [];

    public IReadOnlyList<string> Keys => _keys;

    public void Add(string key)
    {
        // A loop, not LINQ's Contains: that boxed an enumerator per call, and almost every user has a warning.
        foreach (string existing in _keys)
        {
            if (string.Equals(existing, key, StringComparison.Ordinal))
            {
                return;
            }
        }

        _keys.Add(key);
    }

    public void Clear() => _keys.Clear();
}
