import { describeExample } from './example-suite.js'

// StrictMode is on in the example and the build is React's development one, so renders and effects run twice.
describeExample('react', { strictMode: true, inspector: true })
