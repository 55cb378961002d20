// Only images the runtime already holds are used: CRI would pull a missing one (the sandbox image included), and shmlab
// never lets a runtime pull (there is no registry to pull from).
import type { CriClient } from './cri-client.js';

export class HeldImages {
  private readonly known = new Map<string, Promise<void>>();

  constructor(private readonly client: CriClient) {}

  /** Resolves once the runtime is seen to hold `image` (asked once per image); rejects, saying so, when it does not. */
  check(image: string): Promise<void> {
    let known = this.known.get(image);
    if (!known) {
      known = this.client.imageStatus(image).then((found) => {
        if (!found) throw new Error(`the runtime does not hold image ${image}: import it first (shmlab never lets a CRI runtime pull)`);
      });
      // A failed check is not remembered: the image may be imported meanwhile.
      known.catch(() => this.known.delete(image));
      this.known.set(image, known);
    }
    return known;
  }
}
