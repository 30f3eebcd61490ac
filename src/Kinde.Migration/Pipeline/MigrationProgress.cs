namespace Kinde.Migration.Pipeline;

/// <summary>A progress snapshot of a running migration.</summary>
/// <param name="Phase">What the run is doing: <c>indexing passwords</c>, <c>scanning users</c>, <c>converting</c>, <c>done</c>.</param>
/// <param name="RecordsRead">Records read in this phase.</param>
/// <param name="UsersAccepted">Users handed to the importer so far.</param>
/// <param name="UsersRejected">Users rejected so far.</param>
public sealed record MigrationProgress(string Phase, long RecordsRead, long UsersAccepted, long UsersRejected);
