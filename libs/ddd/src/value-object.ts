/** Structural equality for small immutable values. */
export abstract class ValueObject<T extends object> {
  protected constructor(protected readonly props: Readonly<T>) {
    Object.freeze(this.props);
  }
  equals(other?: ValueObject<T>): boolean {
    return !!other && JSON.stringify(this.props) === JSON.stringify(other.props);
  }
  toJSON(): Readonly<T> {
    return this.props;
  }
}
