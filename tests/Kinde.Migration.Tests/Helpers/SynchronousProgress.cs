namespace Kinde.Migration.Tests.Helpers;

/// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> posts to the thread pool, so a test could read
/// before the last report arrived).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
