namespace Kinde.Migration.Target.Files.Internal;

/// <summary>The warnings of one user: each key at most once.</summary>
internal sealed class WarningSet
{
    private readonly List<string> _keys = [];

    public IReadOnlyList<string> Keys => _keys;

    public void Add(string key)
    {
        if (!_keys.Contains(key, StringComparer.Ordinal))
        {
            _keys.Add(key);
        }
    }

    public void Clear() => _keys.Clear();
}
