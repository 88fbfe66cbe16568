import { describeExample } from './example-suite.js'

describeExample('angular')
